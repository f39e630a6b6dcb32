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
    rows = window(Entry.objects.filter(account__customer=customer, kind__in=SHOWN)
                  .select_related("user"), "at", before, limit)
    for entry in rows:
        yield Event(
            "loyalty", entry.at,
            _("%(kind)s: %(points)+d points") % {"kind": entry.get_kind_display(),
                                                 "points": entry.points},
            detail=_why(entry), badge=str(entry.get_kind_display()),
            badge_class=f"loyalty-{entry.kind}", order=entry.pk,
        )


def _why(entry: Entry) -> str:
    """Return the entry's reason (or cause), and who wrote it when a person did."""
    why = entry.reason or entry.cause
    if entry.user is None:
        return why
    user = entry.user.get_full_name() or entry.user.get_username()
    if not why:
        return _("By %(user)s") % {"user": user}
    return _("%(why)s (by %(user)s)") % {"why": why, "user": user}


def register_sources() -> None:
    """Add the loyalty entries to every customer's timeline (called from ``ready``)."""
    register("loyalty", gettext_lazy("Loyalty points"), _entries)
