"""The Admin site, signed in to through Tenure's own sign-in (password, then code if on)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse

from tenure.crm.lib.admin import BoundedAdminMixin


class AdminSite(admin.AdminSite):
    def login(self, request, extra_context=None):
        """Send sign-in to Tenure's page: the Admin's own form would skip the second factor."""
        return redirect_to_login(request.GET.get("next") or reverse("admin:index"))

    def register(self, model_or_iterable, admin_class=None, **options):
        """Register every model admin, ours and the libraries', with the bounds no query
        string can break (a year beyond 9999, an empty ``_to_field``): a 4xx, never a 500."""
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, BoundedAdminMixin):
            admin_class = type(admin_class.__name__, (BoundedAdminMixin, admin_class),
                               {"__module__": admin_class.__module__})
        super().register(model_or_iterable, admin_class, **options)
