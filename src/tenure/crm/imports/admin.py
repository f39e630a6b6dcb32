from django.contrib import admin

from tenure.crm.lib.admin import ReadOnlyAdmin

from .models import ImportRun


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdmin):
    """Imports are a record of what happened: they can be read, not changed."""

    list_display = ["__str__", "kind", "source", "started_at", "finished_at", "rows",
                    "inserted", "updated", "unchanged", "rejected", "user"]
    list_filter = ["kind", "source"]
    search_fields = ["file_name", "source"]
    list_select_related = ["user"]
    date_hierarchy = "started_at"
