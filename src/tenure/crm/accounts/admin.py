from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from tenure.crm.lib.admin import BoundedAdminMixin

from .models import User


@admin.register(User)
class UserAdmin(BoundedAdminMixin, BaseUserAdmin):
    """Users with their roles: a role is a group of the same name."""

    list_display = ["username", "first_name", "last_name", "email", "roles", "is_active",
                    "is_staff", "last_login"]
    list_filter = ["groups", "is_active", "is_staff", "is_superuser"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("Preferences"), {"fields": ["language"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("roles"))
    def roles(self, obj) -> str:
        return ", ".join(sorted(group.name for group in obj.groups.all()))


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(BoundedAdminMixin, BaseGroupAdmin):
    """Roles: Django's group admin, safe against any query string like the others."""
