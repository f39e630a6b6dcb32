from django.contrib import admin

from .models import Category, Product


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["__str__", "parent"]
    search_fields = ["name"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent__parent"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["sku", "name", "category", "price", "cost", "currency", "is_active"]
    list_filter = ["is_active", "currency", "category"]
    search_fields = ["sku", "name"]
    autocomplete_fields = ["category"]
    list_select_related = ["category__parent"]
