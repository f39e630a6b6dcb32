"""Saved views: a list's filters and sort kept under a name, reopened with one click."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .models import SavedView

#: Where each list lives.
LIST_URLS = {SavedView.List.CUSTOMERS: "customers:list",
             SavedView.List.AT_RISK: "insights:at_risk"}
#: Query keys that are not a view's filters: the page, an export, the search of the top bar.
NOT_KEPT = ("page", "format")


class SaveViewForm(forms.Form):
    list_name = forms.ChoiceField(choices=SavedView.List.choices)
    name = forms.CharField(label=gettext_lazy("Name of this view"), max_length=80)
    query = forms.CharField(required=False, max_length=2000)
    shared = forms.BooleanField(label=gettext_lazy("share with everyone"), required=False)


def views_for(user, list_name: str) -> list[SavedView]:
    """Return the saved views of ``list_name`` that ``user`` may open, each with its ``url``."""
    views = list(SavedView.objects.for_user(user, list_name))
    for view in views:
        view.url = view_url(view)
    return views


def view_url(view: SavedView) -> str:
    return reverse(LIST_URLS[view.list_name]) + (f"?{view.query}" if view.query else "")


@login_required
@require_POST
def save_view(request):
    """Save the list's current filters and sort under a name (the same name: replaced)."""
    form = SaveViewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the view a name of at most 80 characters."))
        target = LIST_URLS.get(request.POST.get("list_name"), "customers:list")
        return HttpResponseRedirect(reverse(target))
    data = form.cleaned_data
    query = QueryDict(data["query"], mutable=True)
    for key in NOT_KEPT:
        query.pop(key, None)
    try:
        with transaction.atomic():
            view, _created = SavedView.objects.update_or_create(
                owner=request.user, list_name=data["list_name"], name=data["name"].strip(),
                defaults={"query": query.urlencode(), "shared": data["shared"]})
    except IntegrityError:  # the same name saved twice at once: the other one stands
        view = SavedView.objects.get(owner=request.user, list_name=data["list_name"],
                                     name=data["name"].strip())
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return HttpResponseRedirect(view_url(view))


@login_required
@require_POST
def delete_view(request, pk: int):
    """Delete a saved view: its owner, or an administrator for a shared one."""
    view = get_object_or_404(SavedView, pk=pk)
    if view.owner_id != request.user.pk:
        if not view.shared:
            raise Http404
        if not request.user.has_perm("customers.delete_savedview"):
            raise PermissionDenied
    view.delete()
    messages.success(request, _("View “%(name)s” deleted.") % {"name": view.name})
    return HttpResponseRedirect(reverse(LIST_URLS[view.list_name]))
