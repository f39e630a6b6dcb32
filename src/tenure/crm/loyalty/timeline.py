"""Loyalty's events on a customer's timeline: bonuses, rewards, adjustments and
redemptions (earning and its release follow the orders already shown)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tenure.crm.customers.timeline import Event, register, window

from .models import Entry, Kind

SHOWN = (Kind.BONUS, Kind.ADJUST, Kind.REDEEM, Kind.RESTORE)


def _entries(customer, before, limit):
    # The (account, -at, -id) index serves the page; the kinds are a filter on it.
    rows = window(Entry.objects.filter(account__customer=customer, kind__in=SHOWN), "at",
                  before, limit)
    for entry in rows:
        yield Event(
            "loyalty", entry.at,
            _("%(kind)s: %(points)+d points") % {"kind": entry.get_kind_display(),
                                                 "points": entry.points},
            detail=entry.reason or entry.cause, badge=str(entry.get_kind_display()),
            badge_class=f"loyalty-{entry.kind}", order=entry.pk,
        )


def register_sources() -> None:
    """Add the loyalty entries to every customer's timeline (called from ``ready``)."""
    register("loyalty", gettext_lazy("Loyalty points"), _entries)
