from django.contrib import admin

from .models import Order, OrderLine, Return, ReturnLine


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    raw_id_fields = ["product"]


class ReturnLineInline(admin.TabularInline):
    model = ReturnLine
    extra = 0
    raw_id_fields = ["product"]


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["external_id", "customer", "ordered_at", "status", "channel", "store",
                    "total", "currency"]
    list_filter = ["status", "channel", "store", "source"]
    search_fields = ["=external_id", "customer__name", "customer__email"]
    raw_id_fields = ["customer"]
    list_select_related = ["customer"]
    date_hierarchy = "ordered_at"
    readonly_fields = ["created_at", "updated_at"]
    inlines = [OrderLineInline]
    # Counting a million orders for "n of N" on every page is not worth it.
    show_full_result_count = False


@admin.register(Return)
class ReturnAdmin(admin.ModelAdmin):
    list_display = ["external_id", "order", "returned_at", "amount", "currency", "reason"]
    list_filter = ["source"]
    search_fields = ["=external_id", "=order__external_id", "reason"]
    raw_id_fields = ["order"]
    list_select_related = ["order"]
    date_hierarchy = "returned_at"
    inlines = [ReturnLineInline]
    show_full_result_count = False
