"""Find customers that look like the same person: the same email or the same phone.

The matching keys are found with GROUP BY in the database, so only the rows that
share a key are ever loaded, whatever the number of customers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, F, QuerySet
from django.db.models.functions import Lower, Trim
from django.utils.translation import gettext_lazy as _

from .models import Customer


class Reason:
    """Why customers are listed together."""

    EMAIL = "email"
    PHONE = "phone"

    LABELS = {EMAIL: _("Same email"), PHONE: _("Same phone")}


@dataclass
class DuplicateGroup:
    """Customers sharing one key (an email or a phone)."""

    reason: str
    key: str
    customers: list[Customer] = field(default_factory=list)

    @property
    def reason_label(self) -> str:
        return str(Reason.LABELS[self.reason])


def _scope(customers: QuerySet | None) -> QuerySet:
    return Customer.objects.all() if customers is None else customers


def _keyed(customers: QuerySet, reason: str) -> QuerySet:
    """Return ``customers`` annotated with their non-blank matching ``key`` for ``reason``."""
    if reason == Reason.EMAIL:
        # Emails are compared trimmed and case-insensitively: "Ann@X.com " is "ann@x.com".
        return customers.annotate(key=Lower(Trim("email"))).exclude(key="")
    # Phones are stored normalised to E.164, so they are compared as stored.
    return customers.annotate(key=F("phone")).exclude(key="")


def _shared_keys(customers: QuerySet, reason: str) -> QuerySet:
    """Return the keys that more than one of ``customers`` has, as a subquery."""
    return (
        _keyed(customers, reason).order_by().values("key")
        .annotate(n=Count("id")).filter(n__gt=1).values("key")
    )


def count_possible_duplicates(customers: QuerySet | None = None) -> int:
    """Return the number of groups of customers sharing an email or a phone."""
    customers = _scope(customers)
    return sum(_shared_keys(customers, reason).count() for reason in (Reason.EMAIL, Reason.PHONE))


def _groups(customers: QuerySet, reason: str) -> list[DuplicateGroup]:
    keys = _shared_keys(customers, reason)
    members = (
        _keyed(customers, reason).filter(key__in=keys)
        .select_related("manager").order_by("key", "id")
    )
    groups: dict[str, DuplicateGroup] = {}
    for customer in members:
        groups.setdefault(customer.key, DuplicateGroup(reason, customer.key)).customers.append(
            customer
        )
    return list(groups.values())


def possible_duplicates(customers: QuerySet | None = None) -> list[DuplicateGroup]:
    """Return the groups of ``customers`` sharing an email, then those sharing a phone."""
    customers = _scope(customers)
    return _groups(customers, Reason.EMAIL) + _groups(customers, Reason.PHONE)
