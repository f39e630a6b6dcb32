"""Export the complaint list, every complaint matching its filters, as CSV or Excel.

``lib.exports`` does the writing (formulas neutralised, times in the shop's zone, rows
streamed); here is what a complaint's row holds: the queue's columns, whether its SLA
was missed, and what was said.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tenure.crm.lib import exports
from tenure.crm.lib.exports import Column, Kind

from .models import Complaint

COLUMNS = [
    Column(_("Number"), Kind.INTEGER), Column(_("Opened"), Kind.DATETIME),
    Column(_("Customer")), Column(_("Order")), Column(_("Category")), Column(_("Severity")),
    Column(_("Channel")), Column(_("Status")), Column(_("Resolve by"), Kind.DATETIME),
    Column(_("Resolved"), Kind.DATETIME), Column(_("SLA breached"), Kind.YES_NO),
    Column(_("Assignee")), Column(_("Description")), Column(_("Resolution")),
]


def table(complaints: QuerySet) -> exports.Table:
    """Return the export of ``complaints``, in their order."""
    rows = complaints.select_related("customer", "order", "assignee")
    return exports.Table(name="complaints", sheet=_("Complaints"), columns=COLUMNS,
                         rows=exports.cells(rows, values))


def values(complaint: Complaint) -> list:
    """Return one complaint's cells (times typed, not formatted)."""
    assignee = complaint.assignee
    return [
        complaint.pk, complaint.opened_at, str(complaint.customer),
        complaint.order.external_id if complaint.order else "",
        complaint.get_category_display(), complaint.get_severity_display(),
        complaint.get_channel_display(), complaint.get_status_display(), complaint.due_at,
        complaint.resolution_time(), complaint.is_breached,
        (assignee.get_full_name() or assignee.username) if assignee else "",
        complaint.description, complaint.resolution,
    ]
