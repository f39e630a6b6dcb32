"""Typed text made a value, or a ValueError whose message is the reason shown to the user.

These are the rules every way into Tenure shares: the importer reads a file's cells
with them (``imports.parsing``), and the forms' ``ParsedField`` reads a typed value
with them, so a number, a date or an email refused in a file is refused in a form with
the same words. Each parser takes stripped, non-empty text.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from tenure.analytics.dates import parse_time

from . import bounds

CENT = Decimal("0.01")
MILLI = Decimal("0.001")
MONEY_LIMIT = bounds.MONEY_LIMIT
QUANTITY_LIMIT = Decimal("1e9")
EMAIL_LENGTH = 254  # Django's EmailField, which Customer.email is
# Thousands separators shops write: spaces, no-break spaces, thin spaces, apostrophes.
_GROUPING = re.compile(r"[\s\u00a0\u2009\u202f'’]")


def parse_decimal(text: str) -> Decimal:
    """Return "1 234,50", "1,234.50" or "1.234,50" as Decimal("1234.50")."""
    plain = _GROUPING.sub("", text)
    if "," in plain and "." in plain:
        # The separator written last is the decimal one.
        grouping = "," if plain.rfind(".") > plain.rfind(",") else "."
        plain = plain.replace(grouping, "")
    plain = plain.replace(",", ".")
    try:
        value = Decimal(plain)
    except InvalidOperation:
        raise ValueError(_("not a number")) from None
    if not value.is_finite():
        raise ValueError(_("not a number"))
    return value


def parse_money(text: str) -> Decimal:
    """Return an amount of money rounded to cents."""
    return _rounded(parse_decimal(text), CENT, MONEY_LIMIT, _("amount too large"))


def parse_quantity(text: str) -> Decimal:
    """Return a quantity with up to three decimals (kilograms, metres)."""
    return _rounded(parse_decimal(text), MILLI, QUANTITY_LIMIT, _("quantity too large"))


def _rounded(value: Decimal, step: Decimal, limit: Decimal, too_large: str) -> Decimal:
    # Checked before rounding too: "1e30" has more digits than Decimal's precision rounds.
    if abs(value) >= limit or abs(value := value.quantize(step, ROUND_HALF_UP)) >= limit:
        raise ValueError(too_large)
    return value


def parse_datetime(text: str) -> datetime:
    """Return an aware datetime; a date or a naive time is read in the configured time zone.

    The grammar is the analytics library's (``tenure.analytics.dates``), so a file
    ``tenure analyze`` reads, ``tenure import`` reads too: ISO 8601 with or without offset,
    "05.03.2024" or "05/03/2024" with an optional " 14:30[:15]", "2024.03.05" and "20240305";
    from 1900 to 2100 (``lib.bounds``), as a date outside them is a placeholder or a typing
    mistake.
    """
    value = _time(text)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def parse_date(text: str) -> date:
    """Return a calendar date in any of the formats ``parse_datetime`` reads."""
    return _time(text).date()


def _time(text: str) -> datetime:
    value = parse_time(text)
    if value is None:
        raise ValueError(_("not a date"))
    # Before the time zone: 0001-01-01 in UTC+2 is a day Python cannot hold.
    bounds.check_date(value)
    return value


def parse_email(text: str) -> str:
    """Return ``text`` if it is an email address."""
    if len(text) > EMAIL_LENGTH:
        raise ValueError(_("longer than %(limit)d characters") % {"limit": EMAIL_LENGTH})
    try:
        validate_email(text)
    except ValidationError:
        raise ValueError(_("not an email address")) from None
    return text


def parse_currency(text: str) -> str:
    """Return an ISO 4217 code such as "UAH"."""
    code = text.upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise ValueError(_("not a currency code"))
    return code


class ParsedField(forms.CharField):
    """A form field read by one of the parsers above, refusing what they refuse, in their words.

    Empty is None (or "required" when the field is). A date or a time input is given the
    bounds' ``min`` and ``max`` so the browser's picker keeps to them too.
    """

    def __init__(self, parser, *, limit: int | None = 100, **kwargs):
        self.parser = parser
        # No value these parsers read is longer; a pasted page is refused before parsing.
        self.limit = limit
        super().__init__(**kwargs)

    def to_python(self, value):
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        try:
            if self.limit and len(text) > self.limit:
                raise ValueError(_("longer than %(limit)d characters") % {"limit": self.limit})
            return self.parser(text)
        except ValueError as exc:
            raise ValidationError(capfirst(str(exc)), code="invalid") from None

    def prepare_value(self, value):
        if isinstance(value, datetime):
            return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")
        if isinstance(value, date):
            return value.isoformat()
        return value

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        kind = getattr(widget, "input_type", "")
        earliest, latest = bounds.EARLIEST_DATE.isoformat(), bounds.LATEST_DATE.isoformat()
        if kind == "date":
            attrs.update(min=earliest, max=latest)
        elif kind == "datetime-local":
            attrs.update(min=f"{earliest}T00:00", max=f"{latest}T23:59")
        return attrs
