"""Export the at-risk list, every customer matching its filters, as CSV or Excel.

The customer list's writers (``customers/exporting.py``) do the writing: text neutralised
so no cell becomes a formula, rows streamed. Figures stay numbers; reasons are sentences in
the user's language.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext as _

from tenure.crm.customers import exporting

from .templatetags.insights_format import reason

CENT = Decimal("0.01")


def header() -> list[str]:
    return [_("External id"), _("Name"), _("Manager"), _("Segment"),
            _("Chance of leaving"), _("Churn risk (model)"), _("Open complaint or unhappy answer"),
            _("Value if they stay"), _("Expected value lost"),
            _("Customer lifetime value"), _("Probability still a customer"),
            _("Last purchase"), _("Why")]


def values(snapshot) -> list:
    """Return one at-risk customer's cells (numbers and dates typed, not formatted)."""
    customer, manager = snapshot.customer, snapshot.customer.manager
    return [
        customer.external_id, customer.name,
        (manager.get_full_name() or manager.username) if manager else "",
        exporting.segment_label(snapshot.segment),
        _rounded(snapshot.leaving, 4), _rounded(snapshot.churn_risk, 4),
        _("yes") if snapshot.signal else _("no"),
        _money(snapshot.value_if_stay), _money(snapshot.value_at_risk),
        snapshot.clv, _rounded(snapshot.p_alive, 4), snapshot.last_purchase,
        "; ".join(text for item in snapshot.churn_reasons if (text := reason(item))),
    ]


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _money(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(CENT)


def response(snapshots: QuerySet, kind: str) -> HttpResponse:
    """Return the at-risk customers as a ``kind`` ("csv" or "xlsx") file."""
    if kind == "csv":
        return exporting.csv_response(snapshots, header=header, values=values, name="at-risk")
    return exporting.xlsx_response(snapshots, header=header, values=values, name="at-risk",
                                   sheet_name=_("At risk"))
