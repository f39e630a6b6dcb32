from django.contrib import admin

from tenure.crm.lib.admin import ReadOnlyAdmin

from .models import Activity, CalendarFeed, Complaint, ComplaintEvent, ComplaintSla, Interaction


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "kind", "customer", "direction", "outcome", "manager",
                    "source"]
    list_filter = ["kind", "direction", "outcome", "source"]
    search_fields = ["customer__name", "customer__email", "summary", "=external_id"]
    raw_id_fields = ["customer", "manager"]
    list_select_related = ["customer", "manager"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["due_at", "subject", "kind", "customer", "assignee", "status",
                    "reminded_at", "reschedules"]
    list_filter = ["status", "kind", "assignee"]
    search_fields = ["subject", "customer__name", "customer__email"]
    raw_id_fields = ["customer", "assignee", "created_by"]
    readonly_fields = ["uid", "reminder_at", "reminded_at", "created_at"]
    list_select_related = ["customer", "assignee"]
    date_hierarchy = "due_at"
    show_full_result_count = False


class ComplaintEventInline(admin.TabularInline):
    model = ComplaintEvent
    extra = 0
    fields = ["at", "from_status", "to_status", "assignee", "by", "note"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    """Complaints, with the status and its times read-only.

    Status changes belong on the complaint page, which records them and tells the customer.
    """

    list_display = ["__str__", "opened_at", "severity", "status", "due_at", "assignee"]
    list_filter = ["status", "category", "severity", "source"]
    search_fields = ["customer__name", "customer__email", "description", "=external_id"]
    raw_id_fields = ["customer", "order", "assignee", "created_by"]
    readonly_fields = ["status", "resolved_at", "closed_at", "resolution"]
    list_select_related = ["customer", "assignee"]
    date_hierarchy = "opened_at"
    inlines = [ComplaintEventInline]
    show_full_result_count = False


@admin.register(ComplaintSla)
class ComplaintSlaAdmin(admin.ModelAdmin):
    list_display = ["severity", "resolve_within_hours"]
    list_editable = ["resolve_within_hours"]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyAdmin):
    """Feeds are made and renewed from each user's agenda; here they can be revoked."""

    list_display = ["user", "created_at"]
    fields = ["user", "created_at"]

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm("engagement.delete_calendarfeed")
