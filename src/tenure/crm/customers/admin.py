from django.contrib import admin

from tenure.crm.lib.admin import ReadOnlyAdmin, TenureModelAdmin

from .models import ConsentChange, Customer, CustomerMerge, Tag


class ConsentChangeInline(admin.TabularInline):
    model = ConsentChange
    extra = 0
    fields = ["changed_at", "channel", "granted", "source", "changed_by"]
    raw_id_fields = ["changed_by"]
    ordering = ["-changed_at", "-id"]


@admin.register(Customer)
class CustomerAdmin(TenureModelAdmin):
    list_display = ["__str__", "email", "phone", "city", "manager", "acquisition_channel",
                    "created_at"]
    list_filter = ["manager", "acquisition_channel", "gender", "consent_email", "consent_sms",
                   "consent_messenger", "consent_phone", "tags", "source"]
    search_fields = ["name", "email", "phone", "=external_id"]
    raw_id_fields = ["referred_by", "manager"]
    filter_horizontal = ["tags"]
    readonly_fields = ["created_at", "updated_at"]
    list_select_related = ["manager"]
    inlines = [ConsentChangeInline]
    show_full_result_count = False


@admin.register(Tag)
class TagAdmin(TenureModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]


@admin.register(ConsentChange)
class ConsentChangeAdmin(TenureModelAdmin):
    list_display = ["customer", "channel", "granted", "source", "changed_at", "changed_by"]
    list_filter = ["channel", "granted", "source"]
    search_fields = ["customer__name", "customer__email", "source"]
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
