"""Template filters that write money and ages in the user's language."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.numbers import format_currency
from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language, to_locale

register = template.Library()


@register.filter
def money(amount: Decimal | None, currency: str | None = None) -> str:
    """Write ``amount`` in ``currency`` (default: the shop's) as the current language does."""
    if amount is None or amount == "":
        return "—"
    locale = to_locale(get_language() or settings.LANGUAGE_CODE)
    return format_currency(amount, currency or settings.TENURE_CURRENCY, locale=locale)


@register.filter
def age(birth_date: date | None) -> int | None:
    """Return the age in whole years of someone born on ``birth_date``."""
    if not birth_date:
        return None
    today = timezone.localdate()
    had_birthday = (today.month, today.day) >= (birth_date.month, birth_date.day)
    return today.year - birth_date.year - (0 if had_birthday else 1)
