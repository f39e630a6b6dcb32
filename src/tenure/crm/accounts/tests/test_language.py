from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency
from django.conf import settings
from django.template import Context, Template
from django.test import override_settings
from django.utils import translation

from tenure.crm.testing import PASSWORD, TenureTestCase


def render_money(amount: str, currency: str, language: str) -> str:
    with translation.override(language):
        template = Template("{% load tenure_format %}{{ amount|money:currency }}")
        return template.render(Context({"amount": Decimal(amount), "currency": currency}))


class LanguageTestCase(TenureTestCase):
    def switch(self, language: str):
        data = {"language": language, "next": "/customers/"}
        return self.client.post("/accounts/language/", data)

    def test_it_switches_the_interface_language(self):
        self.login(self.support)
        for language in ("uk", "ru", "en"):
            self.assertRedirects(self.switch(language), "/customers/")
            r = self.client.get("/customers/")
            self.assertContains(r, f'<html lang="{language}">')
            self.assertEqual(self.client.cookies[settings.LANGUAGE_COOKIE_NAME].value, language)

    def test_it_remembers_the_choice_at_the_next_sign_in(self):
        self.login(self.support)
        self.switch("uk")
        self.support.refresh_from_db()
        self.assertEqual(self.support.language, "uk")
        self.client.logout()
        self.client.cookies.clear()
        r = self.client.post("/accounts/login/", {"username": "sam", "password": PASSWORD})
        self.assertEqual(r.status_code, 302)
        self.assertContains(self.client.get("/customers/"), '<html lang="uk">')

    def test_it_ignores_an_unknown_language(self):
        self.login(self.support)
        self.switch("xx")
        self.support.refresh_from_db()
        self.assertEqual(self.support.language, "")
        self.assertContains(self.client.get("/customers/"), '<html lang="en">')

    def test_it_writes_money_in_english(self):
        self.assertEqual(render_money("1234.50", "USD", "en"), "$1,234.50")

    def test_it_writes_money_in_ukrainian_and_russian(self):
        self.assertEqual(render_money("1234.50", "UAH", "uk"), "1\xa0234,50\xa0₴")
        self.assertEqual(render_money("1234.50", "UAH", "uk"),
                         format_currency(Decimal("1234.50"), "UAH", locale="uk"))
        self.assertEqual(render_money("1234.50", "RUB", "ru"), "1\xa0234,50\xa0₽")

    @override_settings(TENURE_CURRENCY="EUR")
    def test_it_uses_the_shops_currency_by_default(self):
        with translation.override("en"):
            out = Template("{% load tenure_format %}{{ 7|money }}").render(Context())
        self.assertEqual(out, "€7.00")
