"""The ranges dates, times and numbers must lie in to enter Tenure.

Python's dates end at the year 9999 and pandas' at 2262; time zones, periods and delays
add days and hours to the dates they are given. A date far from today is a typing mistake
or a placeholder (many systems write 0001-01-01 for "no date"), and once stored it breaks
whatever computes with it later, for the whole shop. So forms, filters, query parameters
and imports accept only values within these bounds, the models' validators hold the
settings to them, and the scheduled jobs skip (and report) an old row outside them.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)
#: The largest database id (a 64-bit primary key).
MAX_ID = 2**63 - 1
#: Survey delays, intervals and link lifetimes: ten years.
MAX_DAYS = 3660
#: An activity's duration and how long before it its reminder goes: a month.
MAX_MINUTES = 31 * 24 * 60
#: The time a complaint's SLA may give to resolve it: a year.
MAX_HOURS = 366 * 24
#: Money fields hold twelve digits before the point (``lib.money.money_field``).
MONEY_LIMIT = Decimal("1e12")


def in_range(value: date | datetime) -> bool:
    """Return whether ``value`` (a date or a time) falls within the accepted dates."""
    day = value.date() if isinstance(value, datetime) else value
    return EARLIEST_DATE <= day <= LATEST_DATE


def validate_date(value: date | datetime | None) -> None:
    """Refuse a date or time outside the accepted dates."""
    if value is not None and not in_range(value):
        raise ValidationError(
            _("Enter a date between %(earliest)s and %(latest)s."), code="date_range",
            params={"earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()},
        )


def at_most(limit: int) -> list:
    """Return the validators of a whole number from 0 to ``limit``."""
    return [MinValueValidator(0), MaxValueValidator(limit)]


def check_date(value: date | datetime) -> None:
    """Raise ValueError (the reason shown to the user) for a date outside the bounds."""
    if not in_range(value):
        raise ValueError(_("date outside %(earliest)s – %(latest)s") % {
            "earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()})


def field_errors(instance, names: list[str]) -> list[str]:
    """Return "field: reason" for each of ``names`` whose stored value its validators refuse.

    The scheduled jobs ask this of each row before they compute with it: a row written
    before the validators existed, or straight into the database, is skipped, not fatal.
    """
    exclude = [f.name for f in instance._meta.fields if f.name not in names]
    try:
        instance.clean_fields(exclude=exclude)
    except ValidationError as error:
        return [f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items()]
    return []


def parse_moment(text: str) -> datetime | None:
    """Return an ISO time within the bounds (naive ones in the current time zone), None for
    none, or raise ValueError for text that is not one."""
    if not text:
        return None
    value = parse_datetime(text)  # itself raises ValueError for "2024-02-30T10:00"
    if value is None:
        raise ValueError(text)
    check_date(value)
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def parse_day(text: str) -> date | None:
    """Return an ISO day (YYYY-MM-DD) within the bounds, None for none, or raise ValueError
    for text that is not one."""
    if not text:
        return None
    value = date.fromisoformat(text) if len(text) == 10 else None
    if value is None:
        raise ValueError(text)
    check_date(value)
    return value


class BoundedDateField(forms.DateField):
    """A date field that accepts only the dates within the bounds."""

    default_validators = [validate_date]

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if widget.input_type == "date":
            attrs.update(min=EARLIEST_DATE.isoformat(), max=LATEST_DATE.isoformat())
        return attrs


#: What a ``datetime-local`` input shows and sends (no seconds).
DATETIME_INPUT_FORMAT = "%Y-%m-%dT%H:%M"


def datetime_input() -> forms.DateTimeInput:
    """Return the browser's date-and-time picker, its value written as it expects."""
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT_FORMAT)


class BoundedDateTimeField(forms.DateTimeField):
    """A date and time field that accepts only the times within the bounds."""

    default_validators = [validate_date]

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if widget.input_type == "datetime-local":
            attrs.update(min=f"{EARLIEST_DATE.isoformat()}T00:00",
                         max=f"{LATEST_DATE.isoformat()}T23:59")
        return attrs


class BoundedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A choice of several records that refuses an id beyond the largest key as invalid.

    Django's own field looks every posted id up with ``pk__in``, which SQLite cannot even
    bind for an integer past 2^63 - 1 (an OverflowError, so a 500).
    """

    def _check_values(self, value):
        for pk in value if isinstance(value, list | tuple) else []:
            try:
                number = int(str(pk))
            except ValueError:
                continue  # Django's own check names it
            if not -MAX_ID <= number <= MAX_ID:
                raise ValidationError(self.error_messages["invalid_pk_value"],
                                      code="invalid_pk_value", params={"pk": pk})
        return super()._check_values(value)
