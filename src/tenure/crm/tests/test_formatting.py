"""One way to write figures and moments: each language's forms, written out by hand from
the Unicode CLDR's patterns (en: "Dec 6, 2026"; ru: "6 дек. 2026 г."; the narrow and
ordinary no-break spaces are CLDR's)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

from django.template import Context, Template
from django.test import SimpleTestCase, override_settings
from django.utils import translation

from tenure.crm.lib import formatting

NBSP, NNBSP = "\u00a0", "\u202f"
AFTERNOON = datetime(2026, 12, 6, 12, 5, tzinfo=UTC)  # 14:05 in Kyiv (UTC+2 in winter)


@override_settings(TIME_ZONE="Europe/Kyiv", TENURE_CURRENCY="UAH")
class FormattingTestCase(SimpleTestCase):
    def written(self, language: str, function, *args) -> str:
        with translation.override(language):
            return function(*args)

    def test_dates_and_times_in_each_language(self):
        expected = {
            "en": ("Dec 6, 2026", f"2:05{NNBSP}PM", f"Dec 6, 2026, 2:05{NNBSP}PM"),
            "ru": (f"6 дек. 2026{NNBSP}г.", "14:05", f"6 дек. 2026{NNBSP}г., 14:05"),
            "uk": (f"6 груд. 2026{NNBSP}р.", "14:05", f"6 груд. 2026{NNBSP}р., 14:05"),
        }
        for language, (day, clock, moment) in expected.items():
            with self.subTest(language):
                self.assertEqual(self.written(language, formatting.day, date(2026, 12, 6)), day)
                # A moment's day and time are the shop's: 12:05 UTC is 14:05 in Kyiv.
                self.assertEqual(self.written(language, formatting.day, AFTERNOON), day)
                self.assertEqual(self.written(language, formatting.clock, AFTERNOON), clock)
                self.assertEqual(self.written(language, formatting.clock, time(14, 5)), clock)
                self.assertEqual(self.written(language, formatting.moment, AFTERNOON), moment)

    def test_a_moment_late_in_the_evening_is_on_the_shops_next_day(self):
        late = datetime(2026, 12, 6, 22, 30, tzinfo=UTC)  # 00:30 on the 7th in Kyiv
        self.assertEqual(self.written("en", formatting.day, late), "Dec 7, 2026")

    def test_numbers_percentages_and_money(self):
        expected = {
            "en": ("1,234,567", "1,234.57", "42.3%", "43%", "UAH1,234.50", "UAH1,235",
                   "$1,234.50"),
            "ru": (f"1{NBSP}234{NBSP}567", f"1{NBSP}234,57", f"42,3{NBSP}%", f"43{NBSP}%",
                   f"1{NBSP}234,50{NBSP}₴", f"1{NBSP}235{NBSP}₴", f"1{NBSP}234,50{NBSP}$"),
            "uk": (f"1{NBSP}234{NBSP}567", f"1{NBSP}234,57", "42,3%", "43%",
                   f"1{NBSP}234,50{NBSP}₴", f"1{NBSP}235{NBSP}₴", f"1{NBSP}234,50{NBSP}USD"),
        }
        for language, forms in expected.items():
            with self.subTest(language):
                self.assertEqual((
                    self.written(language, formatting.number, 1234567),
                    self.written(language, formatting.number, Decimal("1234.567"), 2),
                    self.written(language, formatting.percent, 0.4231),
                    self.written(language, formatting.percent, 0.4251, 0),
                    self.written(language, formatting.money, Decimal("1234.5")),
                    self.written(language, formatting.estimate, 1234.5),
                    self.written(language, formatting.money, Decimal("1234.5"), "USD"),
                ), forms)

    def test_a_negative_estimate_and_missing_values(self):
        self.assertEqual(self.written("en", formatting.estimate, -12.6), "-UAH13")
        for function in (formatting.number, formatting.percent, formatting.money,
                         formatting.estimate, formatting.day, formatting.moment,
                         formatting.clock):
            self.assertEqual(function(None), "—")
            self.assertEqual(function(""), "—")

    def test_every_template_has_the_filters_without_loading_them(self):
        template = Template("{{ d|day }} · {{ x|money }} · {{ x|estimate:'EUR' }} · "
                            "{{ f|percent:0 }} · {{ n|number:1 }}")
        with translation.override("en"):
            text = template.render(Context({"d": date(2026, 1, 2), "x": Decimal("99.5"),
                                            "f": 0.5, "n": 2}))
        self.assertEqual(text, "Jan 2, 2026 · UAH99.50 · €100 · 50% · 2.0")
