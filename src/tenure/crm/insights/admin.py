from django.contrib import admin

from tenure.crm.lib.admin import ReadOnlyAdmin

from .models import CustomerSnapshot, InsightsRun


@admin.register(InsightsRun)
class InsightsRunAdmin(ReadOnlyAdmin):
    """Refreshes are written by the nightly job and the "Refresh now" button only."""

    list_display = ["as_of", "status", "started_at", "finished_at", "requested_by"]
    list_filter = ["status"]
    list_select_related = ["requested_by"]
    date_hierarchy = "started_at"
    # The results are large: the change page shows the error, not the tables.
    exclude = ["results"]


@admin.register(CustomerSnapshot)
class CustomerSnapshotAdmin(ReadOnlyAdmin):
    """A customer's scores on each snapshot date."""

    list_display = ["customer", "taken_on", "segment", "r_score", "f_score", "m_score", "abc",
                    "xyz", "cluster", "orders", "revenue"]
    list_filter = ["taken_on", "segment", "abc", "xyz"]
    search_fields = ["customer__name", "customer__email", "customer__external_id"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]
