"""The Admin site, signed in to through Tenure's own sign-in (password, then code if on)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse


class AdminSite(admin.AdminSite):
    def login(self, request, extra_context=None):
        """Send sign-in to Tenure's page: the Admin's own form would skip the second factor."""
        return redirect_to_login(request.GET.get("next") or reverse("admin:index"))
