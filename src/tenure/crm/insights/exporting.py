"""Export the at-risk list, every customer matching its filters, as CSV or Excel.

``lib.exports`` does the writing: text neutralised so no cell becomes a formula, rows
streamed, numbers in the user's locale. Figures stay numbers; reasons are sentences in
the user's language.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tenure.crm.customers import segments
from tenure.crm.lib import exports
from tenure.crm.lib.exports import Column, Kind

from .templatetags.insights_format import reason

COLUMNS = [
    Column(_("External id")), Column(_("Name")), Column(_("Manager")), Column(_("Segment")),
    Column(_("Chance of leaving"), Kind.SHARE), Column(_("Churn risk (model)"), Kind.SHARE),
    Column(_("Open complaint or unhappy answer"), Kind.YES_NO),
    Column(_("Value if they stay"), Kind.MONEY), Column(_("Expected value lost"), Kind.MONEY),
    Column(_("Customer lifetime value"), Kind.MONEY),
    Column(_("Probability still a customer"), Kind.SHARE),
    Column(_("Last purchase"), Kind.DATE), Column(_("Why")),
]


def table(snapshots: QuerySet) -> exports.Table:
    """Return the export of the at-risk ``snapshots``, in their order."""
    return exports.Table(name="at-risk", sheet=_("At risk"), columns=COLUMNS,
                         rows=exports.cells(snapshots, values))


def values(snapshot) -> list:
    """Return one at-risk customer's cells (numbers and dates typed, not formatted)."""
    customer, manager = snapshot.customer, snapshot.customer.manager
    return [
        customer.external_id, customer.name,
        (manager.get_full_name() or manager.username) if manager else "",
        segments.label(snapshot.segment), snapshot.leaving, snapshot.churn_risk,
        snapshot.signal, snapshot.value_if_stay, snapshot.value_at_risk, snapshot.clv,
        snapshot.p_alive, snapshot.last_purchase,
        "; ".join(text for item in snapshot.churn_reasons if (text := reason(item))),
    ]
