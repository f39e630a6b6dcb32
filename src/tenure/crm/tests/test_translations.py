"""The Russian and Ukrainian catalogues: complete, compiled, with the right plural forms."""

from __future__ import annotations

import gettext
import json
import re
from pathlib import Path

from django.conf import settings
from django.utils import translation

from tenure.crm.customers.models import Customer
from tenure.crm.testing import TenureTestCase

LANGUAGES = ("ru", "uk")

# Words written the same way in English, Russian and Ukrainian (the model-quality figures
# are known by their abbreviations everywhere).
SAME_IN_EVERY_LANGUAGE = {"Email", "email", "SMS", "SKU", "Tenure", "AIC", "MASE", "ARIMA",
                          "ROC AUC", "PR AUC", "Telegram"}

PLACEHOLDER = re.compile(r"%%|%\([a-z_]+\)(?:\.\d)?[sdf]|%\.1f|%[sd]|\{[a-z_]+\}|</?[a-z]+[^>]*>")


def catalogue_dir(language: str) -> Path:
    return Path(settings.LOCALE_PATHS[0]) / language / "LC_MESSAGES"


def read_po(path: Path) -> tuple[list[dict], bool]:
    """Return the entries of a .po file (msgid, msgid_plural, msgstr, msgstr[N], flags)
    and whether any entry is marked fuzzy; obsolete (#~) entries are skipped."""
    entries, current, key, fuzzy = [], None, None, False
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if current:
                entries.append(current)
            current, key = None, None
            continue
        if line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        if line.startswith("#"):
            continue
        current = current if current is not None else {}
        match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) (".*")$', line)
        if match:
            key = match.group(1)
            current[key] = json.loads(match.group(2))
        elif line.startswith('"'):
            current[key] += json.loads(line)
    return [e for e in entries if e.get("msgid")], fuzzy


def compiled(language: str) -> gettext.GNUTranslations:
    with open(catalogue_dir(language) / "django.mo", "rb") as mo:
        return gettext.GNUTranslations(mo)


class TranslationsTestCase(TenureTestCase):
    def test_it_translates_chosen_messages(self):
        expected = {
            "ru": {"Customers": "Клиенты", "Orders": "Заказы", "Returns": "Возвраты",
                   "Consent": "Согласие", "Sign in": "Войти", "Sign out": "Выйти",
                   "Duplicates": "Дубликаты", "Merge": "Объединить"},
            "uk": {"Customers": "Клієнти", "Orders": "Замовлення", "Returns": "Повернення",
                   "Consent": "Згода", "Sign in": "Увійти", "Sign out": "Вийти",
                   "Duplicates": "Дублікати", "Merge": "Об’єднати"},
        }
        for language, messages in expected.items():
            with translation.override(language):
                for msgid, msgstr in messages.items():
                    with self.subTest(language=language, msgid=msgid):
                        self.assertEqual(translation.gettext(msgid), msgstr)

    def test_it_chooses_the_plural_form_by_the_number(self):
        # The customer count at the top of the customer list.
        singular, plural = "%(counter)s customer", "%(counter)s customers"
        expected = {
            "ru": {1: "1 клиент", 2: "2 клиента", 5: "5 клиентов", 11: "11 клиентов",
                   21: "21 клиент", 22: "22 клиента", 111: "111 клиентов", 0: "0 клиентов"},
            "uk": {1: "1 клієнт", 2: "2 клієнти", 5: "5 клієнтів", 11: "11 клієнтів",
                   21: "21 клієнт", 22: "22 клієнти", 111: "111 клієнтів", 0: "0 клієнтів"},
        }
        for language, counts in expected.items():
            with translation.override(language):
                for n, text in counts.items():
                    with self.subTest(language=language, n=n):
                        message = translation.ngettext(singular, plural, n) % {"counter": n}
                        self.assertEqual(message, text)

    def test_it_declares_three_plural_forms(self):
        for language in LANGUAGES:
            mo = compiled(language)
            with self.subTest(language=language):
                self.assertEqual(mo.info()["language"], language)
                self.assertEqual(mo.charset().lower(), "utf-8")
                self.assertTrue(mo.info()["plural-forms"].startswith("nplurals=3;"))
                forms = {n: mo.plural(n) for n in (1, 2, 4, 5, 11, 12, 14, 21, 22, 25, 101, 111)}
                self.assertEqual(forms, {1: 0, 2: 1, 4: 1, 5: 2, 11: 2, 12: 2, 14: 2, 21: 0,
                                         22: 1, 25: 2, 101: 0, 111: 2})

    def test_it_translates_every_message(self):
        for language in LANGUAGES:
            entries, fuzzy = read_po(catalogue_dir(language) / "django.po")
            mo = compiled(language)
            self.assertFalse(fuzzy, f"{language}: a translation is marked fuzzy")
            self.assertGreater(len(entries), 300)
            for entry in entries:
                msgid = entry["msgid"]
                with self.subTest(language=language, msgid=msgid):
                    if "msgid_plural" in entry:
                        forms = [entry.get(f"msgstr[{i}]", "") for i in range(3)]
                        self.assertTrue(all(forms), "a plural form is empty")
                        for n, form in zip((1, 2, 5), forms, strict=True):
                            self.assertEqual(mo.ngettext(msgid, entry["msgid_plural"], n), form)
                            self.assertCountEqual(PLACEHOLDER.findall(form),
                                                  PLACEHOLDER.findall(entry["msgid_plural"]))
                    else:
                        self.assertTrue(entry["msgstr"], "empty translation")
                        # The .mo holds it too, so the catalogue was compiled after the edit.
                        compiled_text = (mo.pgettext(entry["msgctxt"], msgid) if "msgctxt" in entry
                                         else mo.gettext(msgid))
                        self.assertEqual(compiled_text, entry["msgstr"])
                        if msgid not in SAME_IN_EVERY_LANGUAGE:
                            self.assertNotEqual(entry["msgstr"], msgid)
                        self.assertCountEqual(PLACEHOLDER.findall(entry["msgstr"]),
                                              PLACEHOLDER.findall(msgid))

    def test_it_keeps_the_languages_apart(self):
        """No Russian-only letters in Ukrainian and no Ukrainian-only letters in Russian."""
        only = {"uk": set("ыэъёЫЭЪЁ"), "ru": set("іїєґІЇЄҐ")}
        for language in LANGUAGES:
            entries, _ = read_po(catalogue_dir(language) / "django.po")
            for entry in entries:
                for key, text in entry.items():
                    if key.startswith("msgstr"):
                        with self.subTest(language=language, msgid=entry["msgid"]):
                            self.assertFalse(set(text) & only[language], text)

    def test_it_shows_the_customer_list_in_ukrainian(self):
        Customer.objects.create(name="Olena Kovalenko")
        Customer.objects.create(name="Petro Shevchenko")
        self.client.force_login(self.admin)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "uk"
        r = self.client.get("/customers/")
        self.assertContains(r, '<html lang="uk">')
        self.assertContains(r, "<h1>Клієнти</h1>", html=True)
        self.assertContains(r, "2 клієнти")
        self.assertContains(r, "Замовлення")
        self.assertContains(r, "Вийти")
        self.assertNotContains(r, "Sign out")

    def test_it_shows_the_customer_list_in_russian(self):
        self.client.force_login(self.admin)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
        r = self.client.get("/customers/")
        self.assertContains(r, "<h1>Клиенты</h1>", html=True)
        self.assertContains(r, "0 клиентов")
        self.assertContains(r, "Клиентов пока нет")
