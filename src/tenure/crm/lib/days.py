"""Calendar days as moments in the current time zone."""

from __future__ import annotations

from datetime import date, datetime, time

from django.utils import timezone


def start_of_day(day: date) -> datetime:
    """Return the first moment of ``day`` in the current time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))
