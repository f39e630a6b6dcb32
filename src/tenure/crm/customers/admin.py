from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from tenure.crm.lib.admin import ReadOnlyAdmin

from .models import ConsentChange, Customer, CustomerAssignment, CustomerMerge, Tag

CONSENT_FLAGS = ["consent_email", "consent_sms", "consent_messenger", "consent_phone"]
EVIDENCE = ["changed_at", "channel", "granted", "purpose", "source", "wording", "file_name",
            "changed_by"]


class ConsentChangeInline(admin.TabularInline):
    """The consent history, read only: a row is evidence and is never edited."""

    model = ConsentChange
    extra = 0
    fields = EVIDENCE
    readonly_fields = EVIDENCE
    ordering = ["-changed_at", "-id"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AssignmentInline(admin.TabularInline):
    """The history of managers, read only: it is kept by every change of the manager."""

    model = CustomerAssignment
    fk_name = "customer"
    extra = 0
    fields = readonly_fields = ["manager", "started_at", "ended_at", "assigned_by"]
    ordering = ["-started_at", "-pk"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    """Customers; consent is shown, and changed only on the customer's consent form,
    which records how it was given."""

    list_display = ["__str__", "email", "phone", "city", "manager", "acquisition_channel",
                    "created_at"]
    list_filter = ["manager", "acquisition_channel", "gender", *CONSENT_FLAGS, "tags", "source"]
    search_fields = ["name", "email", "phone", "=external_id"]
    raw_id_fields = ["referred_by", "manager"]
    filter_horizontal = ["tags"]
    readonly_fields = ["created_at", "updated_at", *CONSENT_FLAGS, "change_consent"]
    list_select_related = ["manager"]
    inlines = [ConsentChangeInline, AssignmentInline]
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        obj.save(assigned_by=request.user)  # a change of manager says who made it

    @admin.display(description=_("Change consent"))
    def change_consent(self, obj: Customer) -> str:
        if obj.pk is None:
            return _("Save the customer first; then record their consent on their page.")
        return format_html('<a href="{}#consent">{}</a>', reverse("customers:edit", args=[obj.pk]),
                           _("On the customer's consent form, with how it was given"))


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]


@admin.register(ConsentChange)
class ConsentChangeAdmin(ReadOnlyAdmin):
    """Consent history is evidence: it is recorded by Tenure and only read here."""

    list_display = ["customer", "channel", "granted", "source", "changed_at", "changed_by"]
    list_filter = ["channel", "granted", "purpose", "source"]
    search_fields = ["customer__name", "customer__email", "file_name"]
    raw_id_fields = ["customer", "changed_by"]
    list_select_related = ["customer", "changed_by"]
    date_hierarchy = "changed_at"
    show_full_result_count = False


@admin.register(CustomerMerge)
class CustomerMergeAdmin(ReadOnlyAdmin):
    """Merges are made and undone from the duplicates page; here they are only read."""

    list_display = ["__str__", "merged_at", "merged_by", "undone_at"]
    list_filter = ["merged_at", "undone_at"]
    search_fields = ["kept__name", "=removed_id"]
    list_select_related = ["kept", "merged_by"]
    raw_id_fields = ["kept", "merged_by"]
