"""The pages of sign-in security, privacy and imports, in Russian and Ukrainian: no English left,
including the words that come from the libraries (django-axes, django-otp, django-auditlog) and
from gaps in Django's own Ukrainian."""

from __future__ import annotations

import tempfile

from axes.models import AccessAttempt
from django.conf import settings
from django.test import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from tenure.crm.customers.models import Customer
from tenure.crm.testing import PASSWORD, TenureTestCase

LANGUAGES = ("ru", "uk")


class TranslatedPagesTestCase(TenureTestCase):
    def setUp(self):
        folder = tempfile.TemporaryDirectory(prefix="tenure-translated-pages-")
        self.addCleanup(folder.cleanup)
        override = override_settings(VAR_DIR=folder.name)  # erasures scan the var folder
        override.enable()
        self.addCleanup(override.disable)

    def speak(self, language: str) -> None:
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    def assertTranslated(self, response, english: list[str], translated: list[str],
                         status: int = 200) -> None:
        self.assertEqual(response.status_code, status)
        self.assertPhrases(response.content.decode(), english, translated)

    def assertPhrases(self, text: str, english: list[str], translated: list[str]) -> None:
        for phrase in english:
            self.assertNotIn(phrase, text)
        for phrase in translated:
            self.assertIn(phrase, text)

    def test_it_shows_the_password_page_and_the_password_rules_translated(self):
        translated = {
            "ru": ["<h1>Изменить пароль</h1>", "Пароль не может состоять только из цифр.",
                   "Двухфакторный вход"],
            # Django's own Ukrainian says "не може складається": ours corrects it.
            "uk": ["<h1>Змінити пароль</h1>", "Пароль не може складатися лише з цифр.",
                   "Двофакторний вхід"],
        }
        self.login(self.admin)
        for language in LANGUAGES:
            with self.subTest(language=language):
                self.speak(language)
                response = self.client.post("/accounts/password/", {
                    "old_password": PASSWORD, "new_password1": "83749261",
                    "new_password2": "83749261"})
                self.assertTranslated(
                    response, ["Change password", "entirely numeric", "Two-factor sign-in"],
                    translated[language])

    def test_it_shows_two_factor_set_up_and_a_wrong_code_translated(self):
        translated = {
            "ru": ["Отсканируйте этот код приложением-аутентификатором",
                   "Код неверный. Введите код, который приложение показывает сейчас.",
                   "Включить двухфакторный вход"],
            "uk": ["Відскануйте цей код застосунком-автентифікатором",
                   "Код неправильний. Введіть код, який застосунок показує зараз.",
                   "Увімкнути двофакторний вхід"],
        }
        self.login(self.admin)
        for language in LANGUAGES:
            with self.subTest(language=language):
                # A fresh try in each language: the first wrong code delays the next one.
                TOTPDevice.objects.update(throttling_failure_count=0,
                                          throttling_failure_timestamp=None)
                self.speak(language)
                response = self.client.post("/accounts/two-factor/", {"code": "000000"})
                self.assertTranslated(
                    response, ["Scan this code", "That code is not right", "Invalid token",
                               "Turn two-factor sign-in on"],
                    translated[language])

    def test_it_shows_the_lockout_page_translated(self):
        translated = {
            "ru": ["Слишком много неудачных попыток входа", "запрещён на 15 минут",
                   "Администратор может снять блокировку раньше."],
            "uk": ["Забагато невдалих спроб входу", "заборонено на 15 хвилин",
                   "Адміністратор може зняти блокування раніше."],
        }
        for language in LANGUAGES:
            with self.subTest(language=language):
                AccessAttempt.objects.all().delete()
                self.speak(language)
                for _ in range(settings.AXES_FAILURE_LIMIT):
                    self.client.post("/accounts/login/", {"username": "bob", "password": "x"})
                response = self.client.post("/accounts/login/",
                                            {"username": "bob", "password": PASSWORD})
                self.assertTranslated(
                    response, ["Too many failed sign-ins", "refused for", "Account locked"],
                    translated[language], status=429)

    def test_it_shows_the_audit_log_translated(self):
        translated = {
            "ru": ["<h1>Журнал аудита</h1>", "Просмотрено", "Данные удалены", "[удалено]",
                   "записи журнала аудита: ", "<ins>нет</ins>"],
            "uk": ["<h1>Журнал аудиту</h1>", "Переглянуто", "Дані видалено", "[видалено]",
                   "записи журналу аудиту: ", "<ins>ні</ins>"],
        }
        kept = Customer.objects.create(name="Olena Kovalenko", email="olena@example.org")
        erased = Customer.objects.create(name="Taras Melnyk", email="taras@example.org")
        self.login(self.admin)
        self.client.get(f"/customers/{kept.pk}/")
        self.client.get(f"/customers/{erased.pk}/")
        self.client.post(f"/privacy/customers/{erased.pk}/erase/", {"confirm": "on"},
                         follow=True)
        for language in LANGUAGES:
            with self.subTest(language=language):
                self.speak(language)
                response = self.client.get("/privacy/audit/")
                # auditlog keeps a consent flag as "False" and an erased name as "[erased]".
                self.assertTranslated(
                    response, ["Audit log", "Viewed", "Erased", "[erased]", "False",
                               "audit log entries"],
                    translated[language])

    def test_it_shows_the_erase_confirmation_translated(self):
        translated = {
            "ru": ["Удаление персональных данных: Taras Melnyk", "Что удаляется",
                   "Удаление нельзя отменить.", "Отметьте флажок, чтобы подтвердить удаление."],
            "uk": ["Видалення персональних даних: Taras Melnyk", "Що видаляється",
                   "Видалення не можна скасувати.",
                   "Позначте прапорець, щоб підтвердити видалення."],
        }
        taras = Customer.objects.create(name="Taras Melnyk")
        self.login(self.admin)
        for language in LANGUAGES:
            with self.subTest(language=language):
                self.speak(language)
                response = self.client.post(f"/privacy/customers/{taras.pk}/erase/", {})
                self.assertTranslated(
                    response, ["Erase Taras", "What is removed", "cannot be undone",
                               "Tick the box"],
                    translated[language])

    def test_it_shows_the_consent_form_and_its_standard_wording_translated(self):
        translated = {
            "ru": ["Как клиент дал согласие", "Веб-форма", "Стандартный текст",
                   "Даю согласие на получение от магазина предложений"],
            "uk": ["Як клієнт надав згоду", "Вебформа", "Стандартний текст",
                   "Даю згоду на отримання від магазину пропозицій"],
        }
        self.login(self.admin)
        for language in LANGUAGES:
            with self.subTest(language=language):
                # The standard wording is shown in the customer's language, the rest in the
                # user's: here both are the same.
                customer = Customer.objects.create(name="Olena Kovalenko", language=language)
                self.speak(language)
                response = self.client.get(f"/customers/{customer.pk}/edit/")
                self.assertTranslated(
                    response, ["How the customer told us", "Web form", "The standard wording",
                               "I agree"],
                    translated[language])

    def test_it_shows_the_import_page_and_its_errors_translated(self):
        translated = {
            "ru": ["Согласие в файле клиентов", "Как клиенты дали согласие",
                   "Ограничения на один файл",
                   "Значение должно состоять только из латинских букв"],
            # Django has no Ukrainian for its slug message: ours gives it.
            "uk": ["Згода у файлі клієнтів", "Як клієнти надали згоду",
                   "Обмеження на один файл",
                   "Значення має складатися лише з латинських літер"],
        }
        self.login(self.admin)
        for language in LANGUAGES:
            with self.subTest(language=language):
                self.speak(language)
                response = self.client.post("/import/", {"kind": "customers",
                                                         "source": "not a slug"})
                self.assertTranslated(
                    response, ["Consent in a customers file", "How the customers gave",
                               "At most", "Enter a valid"],
                    translated[language])

    def test_it_shows_the_libraries_admin_pages_translated(self):
        translated = {
            "ru": ["Попытки доступа", "Время попытки", "Вход заблокирован", "(осталось попыток)",
                   "Записи о входах", "Тип объекта", "Объект"],
            "uk": ["Спроби доступу", "Час спроби", "Вхід заблоковано", "(залишилося спроб)",
                   "Записи про входи", "Тип об’єкта", "Об’єкт"],
        }
        self.client.post("/accounts/login/", {"username": "bob", "password": "x"})
        self.login(self.admin)
        self.client.get(f"/customers/{Customer.objects.create(name='Olena').pk}/")
        for language in LANGUAGES:
            with self.subTest(language=language):
                self.speak(language)
                pages = [self.client.get(url) for url in
                         ("/admin/axes/accessattempt/", "/admin/auditlog/logentry/")]
                self.assertEqual([page.status_code for page in pages], [200, 200])
                self.assertPhrases(
                    "".join(page.content.decode() for page in pages),
                    ["Attempt Time", "Locked Out", "Attempt Remaining", "access logs",
                     "Resource Type", ">Resource<"],
                    translated[language])
