"""One way to write figures and moments in the user's language.

Every page, export summary and message writes numbers, percentages, money, dates and times
through these functions (templates through the filters of the same names in
``lib/format_tags.py``, which every template has without ``{% load %}``), so "Dec 6, 2026"
never stands beside "12/06/2026" nor "43 %" beside "92.9%".

The patterns are the Unicode CLDR's for the active language, through Babel:

========  =====================  =========================  =========================
filter    en                     ru                         uk
========  =====================  =========================  =========================
number    1,234                  1 234                      1 234
percent   42.3%                  42,3 %                     42,3%
money     $1,234.50              1 234,50 $                 1 234,50 USD
estimate  $1,235                 1 235 $                    1 235 USD
day       Dec 6, 2026            6 дек. 2026 г.             6 груд. 2026 р.
moment    Dec 6, 2026, 2:05 PM   6 дек. 2026 г., 14:05      6 груд. 2026 р., 14:05
clock     2:05 PM                14:05                      14:05
========  =====================  =========================  =========================

``estimate`` is money to the whole unit, for what is predicted (CLV, forecasts, value at
risk): a forecast written to the cent claims a precision it does not have. Missing values
are written "—". Aware datetimes are shown in the current time zone.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_currency, format_decimal, format_percent
from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language, to_locale

MISSING = "—"


def locale() -> Locale:
    """Return the Babel locale of the active language ("ru", "en")."""
    return _parsed(to_locale(get_language() or settings.LANGUAGE_CODE))


@lru_cache(maxsize=16)
def _parsed(name: str) -> Locale:
    # Babel parses a locale given by name on every call: half the time of writing a date.
    return Locale.parse(name)


def _missing(value) -> bool:
    return value is None or value == ""


def number(value: float | Decimal | None, digits: int = 0) -> str:
    """Write a number with the language's separators and exactly ``digits`` decimals."""
    if _missing(value):
        return MISSING
    pattern = f"#,##0.{'0' * digits}" if digits else "#,##0"
    return format_decimal(value, pattern, locale=locale())


def percent(fraction: float | None, digits: int = 1) -> str:
    """Write a fraction (0.4231) as a percentage with ``digits`` decimals ("42.3%")."""
    if _missing(fraction):
        return MISSING
    name = locale()
    return format_percent(fraction, _percent_pattern(name, digits), locale=name)


@lru_cache(maxsize=16)
def _percent_pattern(name: Locale, digits: int) -> str:
    # The language's own pattern ("#,##0 %" in Russian, with its space), to ``digits``.
    pattern = name.percent_formats[None].pattern
    return pattern.replace("#,##0", f"#,##0.{'0' * digits}" if digits else "#,##0", 1)


def money(amount: Decimal | float | None, currency: str | None = None) -> str:
    """Write ``amount`` in ``currency`` (default: the shop's) with its minor units."""
    if _missing(amount):
        return MISSING
    name = locale()
    # What format_currency does with its defaults, less its look-ups on every call (a list
    # writes fifty amounts): the language's standard pattern applied with the currency's
    # own minor units.
    return name.currency_formats["standard"].apply(
        amount, name, currency=currency or settings.TENURE_CURRENCY)


@lru_cache(maxsize=8)
def _whole_pattern(name: Locale) -> str:
    pattern = name.currency_formats["standard"].pattern
    # "#,##0.00 ¤" -> "#,##0 ¤"; a pattern with a negative part has the decimals twice.
    return pattern.replace(".00", "")


def estimate(amount: Decimal | float | None, currency: str | None = None) -> str:
    """Write a predicted amount of money to the whole unit ("$1,235")."""
    if _missing(amount):
        return MISSING
    name = locale()
    # Half a unit up, as people round money (round() would give 1,234 for 1,234.5).
    whole = Decimal(str(amount)).quantize(Decimal(1), ROUND_HALF_UP)
    return format_currency(whole, currency or settings.TENURE_CURRENCY,
                           format=_whole_pattern(name), currency_digits=False, locale=name)


def _local(value: datetime) -> datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


def day(value: date | datetime | None) -> str:
    """Write a date (a datetime's local date) as the language does ("Dec 6, 2026")."""
    if _missing(value):
        return MISSING
    if isinstance(value, datetime):
        value = _local(value).date()
    return _day(value, locale())


@lru_cache(maxsize=4096)
def _day(value: date, name: Locale) -> str:
    # A list writes the same few hundred dates over and over.
    return format_date(value, "medium", locale=name)


def clock(value: datetime | time | None) -> str:
    """Write a time of day ("14:05"; "2:05 PM" in English)."""
    if _missing(value):
        return MISSING
    if isinstance(value, datetime):
        value = _local(value).time()
    return format_time(value, "short", locale=locale())


def moment(value: datetime | None) -> str:
    """Write a date and time of day in the current time zone ("6 дек. 2026 г., 14:05")."""
    if _missing(value):
        return MISSING
    value = _local(value)
    name = locale()
    joined = name.datetime_formats["medium"]
    return str(joined).format(format_time(value.time(), "short", locale=name),
                              format_date(value.date(), "medium", locale=name))
