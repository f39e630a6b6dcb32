"""Export a customer list, every row matching its filters, as CSV or Excel.

What a row holds: profile, manager, purchase figures, consent per channel, tags, and the
latest scores of the insights (segment, CLV, churn risk, P(alive)), read through
``segments`` as the list's filters read them. ``lib.exports`` does the writing.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenure.crm.lib import exports
from tenure.crm.lib.exports import Column, Kind

from . import segments
from .models import Customer

FIELDS = ["pk", "external_id", "name", "email", "phone", "city", "manager__first_name",
          "manager__last_name", "manager__username", "orders_count", "revenue",
          "last_purchase", "segment", "clv", "churn_risk", "p_alive", "consent_email",
          "consent_sms", "consent_messenger", "consent_phone"]
# The latest snapshot's scores, annotated under their own names.
SCORES = ["segment", "clv", "churn_risk", "p_alive"]

COLUMNS = [
    Column(_("External id")), Column(_("Name")), Column(_("Email")), Column(_("Phone")),
    Column(_("City")), Column(_("Manager")), Column(_("Orders"), Kind.INTEGER),
    Column(_("Revenue"), Kind.MONEY), Column(_("Last purchase"), Kind.DATE),
    Column(_("Segment")), Column(_("Customer lifetime value"), Kind.MONEY),
    Column(_("Churn risk"), Kind.SHARE), Column(_("Probability still a customer"), Kind.SHARE),
    Column(_("Email consent"), Kind.YES_NO), Column(_("SMS consent"), Kind.YES_NO),
    Column(_("Messenger consent"), Kind.YES_NO), Column(_("Phone consent"), Kind.YES_NO),
    Column(_("Tags")),
]


def table(customers: QuerySet, ordering: list) -> exports.Table:
    """Return the export of ``customers`` in ``ordering``."""
    return exports.Table(name="customers", sheet=_("Customers"), columns=COLUMNS,
                         rows=_cells(export_rows(customers, ordering)))


def export_rows(customers: QuerySet, ordering: list) -> QuerySet:
    """Return the exported fields of ``customers`` as tuples, in ``ordering``."""
    latest = segments.snapshots().latest_date()
    snapshot = segments.snapshots().filter(customer=OuterRef("pk"), taken_on=latest)
    return (
        customers.with_order_stats("orders_count", "revenue", "last_purchase")
        .annotate(**{name: Subquery(snapshot.values(name)[:1]) for name in SCORES})
        .order_by(*ordering).values_list(*FIELDS)
    )


def _cells(rows: QuerySet):
    # The tags of a chunk's customers in one query, not one per customer.
    for chunk in exports.chunks(rows):
        tags = _tags([row[0] for row in chunk])
        for row in chunk:
            yield values(row, tags.get(row[0], []))


def _tags(ids: list[int]) -> dict[int, list[str]]:
    """Return the tag names of each of these customers, in alphabetical order."""
    tags = defaultdict(list)
    links = Customer.tags.through.objects.filter(customer_id__in=ids).order_by("tag__name")
    for customer_id, name in links.values_list("customer_id", "tag__name"):
        tags[customer_id].append(name)
    return tags


def values(row: tuple, tags: list[str]) -> list:
    """Return one customer's exported cells (numbers and dates typed, not formatted)."""
    (_pk, external_id, name, email, phone, city, first_name, last_name, username, orders,
     revenue, last, segment, clv, churn_risk, p_alive, *consents) = row
    # As User.get_full_name() and the list page show a manager.
    manager = f"{first_name or ''} {last_name or ''}".strip() or username or ""
    return [
        external_id, name, email, phone, city, manager, orders, revenue,
        timezone.localdate(last) if last else None, segments.label(segment),
        clv, churn_risk, p_alive, *consents, ", ".join(tags),
    ]
