"""Admin building blocks shared by the apps."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest


class BoundedChangeList(ChangeList):
    """A change list that takes a filter it cannot apply as the admin's "wrong lookup
    parameters" (a redirect to ``?e=1``), not a 500.

    Django's own date hierarchy and date filters raise for a year beyond 9999
    (``?ordered_at__year=9999``), a year too large for a C long, or a date whose time zone
    leaves the calendar (``?changed_at__gte=0001-01-01T00:00:00%2B14:00``).
    """

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except (ValueError, OverflowError) as error:
            raise IncorrectLookupParameters(error) from error

    def get_results(self, request):
        try:
            super().get_results(request)
        except (ValueError, OverflowError) as error:
            raise IncorrectLookupParameters(error) from error


class BoundedAdminMixin:
    """What every model admin needs so that no query string makes it answer 500.

    Tenure's admin site (``accounts.admin_site.AdminSite``) mixes it into every admin it
    registers, the libraries' too.
    """

    def get_changelist(self, request, **kwargs):
        return BoundedChangeList

    def response_action(self, request, queryset):
        # The ticked rows' ids reach the action's query as they came: one that is not an
        # id (``_selected_action=0001-01-01``) raised a ValueError there.
        try:
            for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME):
                self.model._meta.pk.to_python(value)
        except ValidationError:
            return HttpResponseBadRequest()
        return super().response_action(request, queryset)

    def get_object(self, request, object_id, from_field=None):
        # An empty "?_to_field=" passes the admin's check of allowed fields, then names none.
        return super().get_object(request, object_id, from_field or None)


class ReadOnlyAdmin(admin.ModelAdmin):
    """An admin for records written only by Tenure itself (imports, merges)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
