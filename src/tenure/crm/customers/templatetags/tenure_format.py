"""Template filters about customers: ages. (Money, numbers and dates: ``lib/formatting.py``,
whose filters every template has.)"""

from __future__ import annotations

from datetime import date

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def age(birth_date: date | None) -> int | None:
    """Return the age in whole years of someone born on ``birth_date``."""
    if not birth_date:
        return None
    today = timezone.localdate()
    had_birthday = (today.month, today.day) >= (birth_date.month, birth_date.day)
    return today.year - birth_date.year - (0 if had_birthday else 1)
