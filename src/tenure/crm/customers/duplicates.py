"""Find customers that look like the same person: the same email, phone or external id.

The matching keys are found with GROUP BY in the database, so only the rows that
share a key are ever loaded, whatever the number of customers. The same external id
can only be shared across sources (it is unique within one).

Customers sharing a key are listed as pairs: the first of them (the oldest) beside
each of the others, so a key shared by n customers gives n - 1 pairs, not n²/2.
A pair is listed once with every key its two customers share.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Lower, Trim
from django.utils.translation import gettext_lazy as _

from .models import Customer


class Reason:
    """Why two customers are listed together."""

    EMAIL = "email"
    PHONE = "phone"
    EXTERNAL_ID = "external_id"

    ALL = (EMAIL, PHONE, EXTERNAL_ID)
    LABELS = {EMAIL: _("Same email"), PHONE: _("Same phone"),
              EXTERNAL_ID: _("Same external id in another source")}


@dataclass
class DuplicatePair:
    """Two customers and the keys they share: [(reason, key), ...]."""

    first: Customer
    second: Customer
    reasons: list[tuple[str, str]] = field(default_factory=list)

    @property
    def reason_labels(self) -> list[str]:
        return [str(Reason.LABELS[reason]) for reason, _key in self.reasons]

    @property
    def customers(self) -> list[Customer]:
        return [self.first, self.second]


def _scope(customers: QuerySet | None) -> QuerySet:
    return Customer.objects.all() if customers is None else customers


def _keyed(customers: QuerySet, reason: str) -> QuerySet:
    """Return ``customers`` annotated with their non-blank matching ``key`` for ``reason``."""
    if reason == Reason.EMAIL:
        # Emails are compared trimmed and case-insensitively: "Ann@X.com " is "ann@x.com".
        return customers.annotate(key=Lower(Trim("email"))).exclude(key="")
    # Phones are stored normalised to E.164, so they are compared as stored; an external
    # id is unique within its source, so a shared one is shared across sources.
    column = "phone" if reason == Reason.PHONE else "external_id"
    return customers.annotate(key=F(column)).exclude(key="")


def _shared_keys(customers: QuerySet, reason: str) -> QuerySet:
    """Return the keys that more than one of ``customers`` has, as a subquery."""
    return (
        _keyed(customers, reason).order_by().values("key")
        .annotate(n=Count("id")).filter(n__gt=1).values("key")
    )


def _groups(customers: QuerySet, reason: str) -> dict[str, list[Customer]]:
    """Return {key: customers sharing it, oldest first} for ``reason``."""
    members = (
        _keyed(customers, reason).filter(key__in=_shared_keys(customers, reason))
        .select_related("manager").order_by("key", "id")
    )
    groups: dict[str, list[Customer]] = {}
    for customer in members:
        groups.setdefault(customer.key, []).append(customer)
    return groups


def possible_duplicates(customers: QuerySet | None = None) -> list[DuplicatePair]:
    """Return the pairs of ``customers`` sharing an email, a phone or an external id."""
    customers = _scope(customers)
    groups = {reason: _groups(customers, reason) for reason in Reason.ALL}
    keys: dict[int, dict[str, str]] = {}
    for reason, by_key in groups.items():
        for key, members in by_key.items():
            for customer in members:
                keys.setdefault(customer.pk, {})[reason] = key
    pairs: dict[tuple[int, int], DuplicatePair] = {}
    for by_key in groups.values():
        for members in by_key.values():
            for other in members[1:]:
                if (members[0].pk, other.pk) not in pairs:
                    pairs[members[0].pk, other.pk] = DuplicatePair(
                        members[0], other, _shared(keys, members[0].pk, other.pk))
    return list(pairs.values())


def _shared(keys: dict[int, dict[str, str]], first: int, second: int) -> list[tuple[str, str]]:
    """Return every (reason, key) two customers share."""
    return [(reason, keys[first][reason]) for reason in Reason.ALL
            if keys[first].get(reason) and keys[first].get(reason) == keys[second].get(reason)]


def count_possible_duplicates(customers: QuerySet | None = None) -> int:
    """Return the number of pairs of possible duplicates among ``customers``."""
    return len(possible_duplicates(customers))


def sharing_contacts(email: str, phone: str) -> QuerySet:
    """Return the customers who already have ``email`` (any case) or ``phone``, oldest first.

    Asked before a customer is added, so one person is not entered twice. Phones are
    compared as stored (E.164); emails without case, as ``possible_duplicates`` does.
    """
    condition = Q()
    if email.strip():
        condition |= Q(email__iexact=email.strip())
    if phone:
        condition |= Q(phone=phone)
    if not condition:
        return Customer.objects.none()
    return Customer.objects.filter(condition).order_by("pk")
