from django.contrib import admin

from tenure.crm.lib.admin import ReadOnlyAdmin

from .models import Erasure


@admin.register(Erasure)
class ErasureAdmin(ReadOnlyAdmin):
    """Erasures are made from the customer page or ``tenure privacy erase``; here only read."""

    list_display = ["customer_id", "erased_at", "erased_by"]
    list_select_related = ["erased_by"]
    search_fields = ["=customer_id"]
    date_hierarchy = "erased_at"
