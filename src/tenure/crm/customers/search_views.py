"""The top bar's search results page."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from . import searching


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=200, required=False)


@login_required
def search_results(request):
    """Show the customers, orders and complaints the query finds that the user may see."""
    if not searching.sections_for_user(request.user):
        raise PermissionDenied
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    results = searching.search(request.user, query) if query else []
    return render(request, "customers/search.html", {
        "form": form, "query": query, "results": results,
        "found": sum(len(found.hits) for found in results),
    }, status=400 if form.is_bound and not form.is_valid() else 200)
