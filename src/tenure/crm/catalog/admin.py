from django.contrib import admin

from tenure.crm.lib.admin import TenureModelAdmin

from .models import Category, Product


@admin.register(Category)
class CategoryAdmin(TenureModelAdmin):
    list_display = ["__str__", "parent"]
    search_fields = ["name"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent__parent"]


@admin.register(Product)
class ProductAdmin(TenureModelAdmin):
    list_display = ["sku", "name", "category", "price", "cost", "currency", "is_active"]
    list_filter = ["is_active", "currency", "category"]
    search_fields = ["sku", "name"]
    autocomplete_fields = ["category"]
    list_select_related = ["category__parent"]
