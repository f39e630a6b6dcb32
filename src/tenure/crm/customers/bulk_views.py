"""The page of a bulk action: what will be done to which customers, then doing it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tenure.crm.lib.bounds import MAX_ID

from . import bulk
from .access import customers_for_user
from .forms import CustomerFilterForm

SHOWN = 10


@login_required
@require_POST
def bulk_action(request):
    """Ask what the chosen action needs (the first post, from a list), then apply it.

    The customers are the ticked ``ids``, or with ``scope=all`` every customer the list's
    filters (``query``, the list's query string) match.
    """
    action = bulk.ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        return HttpResponseBadRequest(_("Choose an action for the selected customers."))
    if not action.allowed(request.user):
        raise PermissionDenied
    back = _back(request)
    customers, problem = _chosen(request, action)
    if problem:
        messages.error(request, problem)
        return redirect(back)
    confirmed = "confirm" in request.POST
    form = action.form(request.POST if confirmed else None, user=request.user)
    if confirmed and form.is_valid():
        result = bulk.run(action, request.user, customers, form.cleaned_data)
        if action.download:
            return result
        messages.success(request, result)
        return redirect(back)
    count = customers.count()
    return render(request, "customers/bulk.html", {
        "action": action, "form": form, "count": count, "back": back,
        "shown": list(customers.order_by("name", "pk")[:SHOWN]),
        "more": max(count - SHOWN, 0),
        "ids": request.POST.getlist("ids"), "scope": request.POST.get("scope", ""),
        "query": request.POST.get("query", ""),
    }, status=400 if confirmed else 200)


def _chosen(request, action: bulk.BulkAction):
    """Return (the customers chosen, None) or (None, why the choice is refused)."""
    visible = customers_for_user(request.user)
    if request.POST.get("scope") == "all":
        form = CustomerFilterForm(QueryDict(request.POST.get("query", "")), user=request.user)
        if form.is_bound and not form.is_valid():
            return None, _("Choose the filters again: one is not valid.")
        customers = form.filter(visible)
    else:
        try:
            ids = {int(value) for value in request.POST.getlist("ids")}
        except ValueError:
            ids = {0}
        if not all(0 < pk <= MAX_ID for pk in ids):
            return None, _("The selection is not valid; tick the customers again.")
        if not ids:
            return None, _("Tick at least one customer first.")
        customers = visible.filter(pk__in=ids)
        if customers.count() != len(ids):
            # Never a part of the selection: all of it, or nothing and why.
            return None, _("Some of the selected customers are not yours to change; "
                           "nothing was done.")
    # An export changes nothing: it takes as many as the list's own Export link would.
    if not action.download and customers.count() > bulk.MAX_CUSTOMERS:
        return None, _("At most %(max)d customers can be changed at once; narrow the "
                       "filters.") % {"max": bulk.MAX_CUSTOMERS}
    return customers, None


def _back(request) -> str:
    """Return the list to go back to: the posted ``next`` if it is ours, else the list."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return reverse("customers:list")
