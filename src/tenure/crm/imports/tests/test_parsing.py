from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.test import override_settings

from tenure.crm.imports.parsing import (
    parse_bool,
    parse_datetime,
    parse_gender,
    parse_is_return,
    parse_money,
    parse_status,
)
from tenure.crm.testing import TenureTestCase


class ParsingTestCase(TenureTestCase):
    def test_it_reads_decimal_commas_and_thousands_separators(self):
        cases = {"1 234,50": "1234.50", "1\u00a0234,5": "1234.50", "1\u202f234,50": "1234.50",
                 "1,234.50": "1234.50", "1.234,50": "1234.50", "-7,125": "-7.13", "0": "0.00",
                 "11.77": "11.77"}
        for text, expected in cases.items():
            with self.subTest(text):
                self.assertEqual(parse_money(text), Decimal(expected))
        for text in ("abc", "1,2,3.4.5", "NaN", "Infinity"):
            with self.subTest(text), self.assertRaisesMessage(ValueError, "not a number"):
                parse_money(text)

    @override_settings(TIME_ZONE="Europe/Kyiv")
    def test_it_reads_dates_as_local_midnight_or_local_time(self):
        kyiv = ZoneInfo("Europe/Kyiv")
        cases = {
            "2024-03-05": dt.datetime(2024, 3, 5, tzinfo=kyiv),
            "2024-03-05 14:30": dt.datetime(2024, 3, 5, 14, 30, tzinfo=kyiv),
            "2024-03-05T14:30:15Z": dt.datetime(2024, 3, 5, 14, 30, 15, tzinfo=dt.UTC),
            "05.03.2024": dt.datetime(2024, 3, 5, tzinfo=kyiv),
            "5.3.2024 09:05:01": dt.datetime(2024, 3, 5, 9, 5, 1, tzinfo=kyiv),
            "20240305": dt.datetime(2024, 3, 5, tzinfo=kyiv),
            # The analysis reads these, so the import does too (one grammar).
            "2024/03/05": dt.datetime(2024, 3, 5, tzinfo=kyiv),
            "05/03/2024": dt.datetime(2024, 3, 5, tzinfo=kyiv),
        }
        for text, expected in cases.items():
            with self.subTest(text):
                self.assertEqual(parse_datetime(text), expected)
        for text in ("31.02.2024", "2024-13-01", "yesterday", "2024-W10-2"):
            with self.subTest(text), self.assertRaisesMessage(ValueError, "not a date"):
                parse_datetime(text)

    def test_it_reads_words_in_three_languages(self):
        self.assertEqual([parse_bool(w) for w in ("да", "Так", "yes", "1", "нет", "ні", "FALSE")],
                         [True, True, True, True, False, False, False])
        self.assertEqual([parse_gender(w) for w in ("М", "ж", "ч", "Female", "чоловіча")],
                         ["m", "f", "m", "f", "m"])
        self.assertEqual([parse_status(w) for w in ("Отменён", "скасовано", "Cancelled",
                                                    "Выполнен", "оплачено")],
                         ["cancelled", "cancelled", "cancelled", "completed", "paid"])
        self.assertEqual([parse_is_return(w) for w in ("Возврат", "повернення", "refund",
                                                       "продажа", "sale")],
                         [True, True, True, False, False])
        with self.assertRaisesMessage(ValueError, "unknown status"):
            parse_status("lost in space")
