"""Each customer's segment, as the app that computes the segments tells it.

insights computes the segments and keeps a snapshot per customer and date; it reads every
app's data, so it stands above customers and feedback and they may not import it. It hands
its segment names and snapshots over here from its ``AppConfig.ready``, and the customer
list, its export and the surveys sent at a segment read them through this module.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import models


@dataclass(frozen=True)
class _Source:
    # The named segments: a TextChoices.
    names: type[models.TextChoices]
    # One row per customer and date: customer, taken_on, segment, abc, xyz; its queryset
    # has latest_date() and of_latest_date().
    snapshots: type[models.Model]


_sources: list[_Source] = []


def register(names: type[models.TextChoices], snapshots: type[models.Model]) -> None:
    """Name the segments and the model of the customers' snapshots (insights does)."""
    _sources[:] = [_Source(names, snapshots)]


def _source() -> _Source:
    if not _sources:
        raise ImproperlyConfigured("no app has registered the customers' segments")
    return _sources[0]


def choices() -> list[tuple[str, str]]:
    """Return the named segments as (key, name) pairs."""
    return list(_source().names.choices)


def label(key: str | None) -> str:
    """Return the segment's name (a segment of a custom grid keeps its key)."""
    names = _source().names
    return str(names(key).label) if key in names.values else key or ""


def snapshots() -> models.QuerySet:
    """Return every snapshot of the customers' scores and segments."""
    return _source().snapshots.objects.all()
