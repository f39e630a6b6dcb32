"""Pages of the customers: the list, one customer, and their edit and consent forms."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from auditlog.signals import accessed
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import DecimalField, F, Value
from django.db.models.functions import Coalesce
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tenure.crm.lib import bounds, exports
from tenure.crm.sales.models import Order

from . import bulk, channels, exporting, saved_views, searching, stats, timeline
from .access import customers_for_user, get_customer_for_user
from .forms import (
    FIGURE_SORTS,
    SORTS,
    ConsentForm,
    CustomerFilterForm,
    CustomerForm,
    NewCustomerForm,
    manager_choices,
)
from .models import Channel, Customer, SavedView

PAGE_SIZE = 50
LATEST_ORDERS = 20
REFERRALS_SHOWN = 20


def _sorted(customers, key: str, *, searched: str):
    """Return the ids of ``customers`` sorted by ``key``, to be sliced a page at a time;
    ``searched`` is the search that found them, if any."""
    figure = FIGURE_SORTS.get(key.lstrip("-"))
    if figure:
        return stats.SortedByFigure(customers, figure, descending=key.startswith("-"),
                                    narrow=bool(searched))
    if searched:
        ordering = searching.by_name(descending=key.startswith("-"))
        return searching.FirstMatches(
            customers.order_by(*ordering).values_list("pk", flat=True), searched)
    return customers.order_by(*SORTS[key]).values_list("pk", flat=True)


def _page_with_stats(page) -> list[Customer]:
    """Return the page's customers with the purchase figures the list sorts by."""
    ids = list(page.object_list)
    money = DecimalField(max_digits=16, decimal_places=2)
    rows = Customer.objects.filter(pk__in=ids).select_related("manager").annotate(
        orders_count=Coalesce("stats__orders_count", 0),
        revenue=Coalesce("stats__revenue", Value(Decimal("0")), output_field=money),
        last_purchase=F("stats__last_purchase"),
    ).order_by()
    by_id = {c.pk: c for c in rows}
    return [by_id[pk] for pk in ids if pk in by_id]


def _sort_links(query, current: str) -> dict:
    """Return each sortable column's link (a second click reverses it) and arrow."""
    links = {}
    for key, first in (("name", "name"), ("orders", "-orders"), ("revenue", "-revenue"),
                       ("last_purchase", "-last_purchase")):
        params = query.copy()
        params["sort"] = first.lstrip("-") if current == first and first[0] == "-" else (
            f"-{first}" if current == first else first
        )
        mark = " ▲" if current == key else " ▼" if current == f"-{key}" else ""
        links[key] = {"url": f"?{params.urlencode()}", "mark": mark}
    return links


@login_required
def customer_list(request):
    """Show the customers the user may see, searched, filtered, sorted and paged."""
    customers = customers_for_user(request.user)
    form = CustomerFilterForm(request.GET or None, user=request.user)
    # A filter out of range is refused, not ignored: an export must not widen to everyone.
    refused = form.is_bound and not form.is_valid()
    customers = form.filter(customers)
    kind = exports.requested_format(request)
    if kind and not refused:
        exports.log_list_export(customers, kind, request.GET, what="customer list")
        return exports.response(kind, exporting.table(customers, SORTS[form.sort_key()]))
    searched = form.cleaned_data["q"] if form.is_searched else ""
    customers = _sorted(customers, form.sort_key(), searched=searched)
    page = Paginator(customers, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)  # a refused export shows the page; its links export anew
    return render(request, "customers/list.html", {
        "form": form,
        "page": page,
        # A search's customers are counted up to a thousand: "more than" past that.
        "capped": getattr(customers, "capped", False),
        "rows": _page_with_stats(page),
        "query": query.urlencode(),
        "sort_links": _sort_links(query, form.sort_key()),
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2),
        "bulk_actions": bulk.actions_for(request.user),
        "saved_views": saved_views.views_for(request.user, SavedView.List.CUSTOMERS),
        "list_name": SavedView.List.CUSTOMERS,
    }, status=400 if refused else 200)


@login_required
def customer_detail(request, pk: int):
    """Show one customer: profile, consent, key figures and latest orders."""
    customer = get_customer_for_user(request.user, pk)
    try:
        kinds, before = _timeline_filter(request)
    except ValueError:
        return HttpResponseBadRequest(
            _("“before” is not a time between %(earliest)s and %(latest)s.") % {
                "earliest": bounds.EARLIEST_DATE, "latest": bounds.LATEST_DATE})
    accessed.send(Customer, instance=customer)  # the audit log's "who viewed it"
    stats = Customer.objects.filter(pk=customer.pk).with_order_stats().select_related(
        "manager", "referred_by"
    ).get()
    # The (customer, -ordered_at) index serves the newest orders first.
    orders = list(
        Order.objects.filter(customer=customer).with_returns()
        .order_by("-ordered_at", "-id")[:LATEST_ORDERS]
    )
    events = timeline.timeline(customer, kinds=kinds, before=before)
    return render(request, "customers/detail.html", {
        "customer": stats,
        "events": events,
        "timeline_kinds": _timeline_links(kinds),
        "older": events[-1].time.isoformat() if len(events) == timeline.PAGE else "",
        "before": before,
        "tags": list(customer.tags.all()),
        "referrals": list(customer.referrals.order_by("pk")[:REFERRALS_SHOWN]),
        "consents": _consent_rows(customer),
        "history": list(customer.consent_changes.select_related("changed_by")),
        "orders": orders,
        "can_edit": request.user.has_perm("customers.change_customer"),
        # The link that binds the customer's Telegram chat, to pass on to them.
        "telegram_link": channels.telegram_link(customer) if settings.TELEGRAM_BOT_NAME else "",
    })


def _timeline_filter(request) -> tuple[set[str], datetime | None]:
    """Return the event kinds asked for (none: all) and the paging cursor; raise ValueError
    for a cursor that is not a time within the bounds."""
    kinds = {k for k in request.GET.getlist("kind") if k in timeline.KINDS}
    before = bounds.parse_moment(request.GET.get("before", ""))
    return kinds, before


def _timeline_links(kinds: set[str]) -> list[dict]:
    """Return one filter link per event kind, and whether it is the one shown."""
    return [{"kind": kind, "label": label, "current": kinds == {kind}}
            for kind, label in timeline.KINDS.items()]


def _consent_rows(customer: Customer) -> list[dict]:
    """Return each channel's consent with its latest change."""
    changes = customer.consent_changes.select_related("changed_by")
    latest = {}
    for change in changes.order_by("channel", "-changed_at", "-id"):
        latest.setdefault(change.channel, change)
    return [
        {"channel": ch, "granted": customer.consent(ch), "last": latest.get(ch.value)}
        for ch in Channel
    ]


@login_required
def customer_edit(request, pk: int):
    """Edit a customer's profile, manager, tags and notes."""
    customer = get_customer_for_user(request.user, pk, edit=True)
    # An empty POST is still a POST: bound, so it is refused rather than shown as a GET.
    data = request.POST if request.method == "POST" else None
    form = CustomerForm(data, instance=customer, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, _("The customer was saved."))
            return redirect(customer)
        # The form changed its instance while validating: show the saved record.
        customer.refresh_from_db()
    # A submission missing the form's fields did not come from this page.
    status = 400 if form.is_bound and form.omitted_fields() else 200
    return _edit_page(request, customer, form=form, status=status)


@login_required
def customer_new(request):
    """Add a customer, assigned to the sales manager who adds them unless told otherwise."""
    user = request.user
    if not (user.has_perm("customers.add_customer") and user.has_perm("customers.view_customer")):
        raise PermissionDenied
    # A sales manager's form has no manager field: whom they add is theirs.
    customer = Customer(manager=user if user.sees_only_own_customers else None)
    data = request.POST if request.method == "POST" else None
    form = NewCustomerForm(data, instance=customer, user=user,
                           confirmed=bool(request.POST.get("confirm_duplicates")),
                           initial=_manager_initial(user))
    if data is not None and form.is_valid():
        customer = form.save()
        messages.success(request, _("The customer was created."))
        return redirect(customer)
    visible = set(customers_for_user(user).filter(
        pk__in=[c.pk for c in form.duplicates]).values_list("pk", flat=True))
    return render(request, "customers/new.html", {
        "form": form,
        "duplicates": [(c, c.pk in visible) for c in form.duplicates],
    }, status=400 if form.is_bound and form.omitted_fields() else 200)


def _manager_initial(user) -> dict:
    """Return the form's first manager: the user, when they are a sales manager."""
    return {"manager": user.pk} if manager_choices().filter(pk=user.pk).exists() else {}


def _edit_page(request, customer: Customer, *, form=None, consent_form=None, status=200):
    return render(request, "customers/edit.html", {
        "customer": customer,
        "form": form or CustomerForm(instance=customer, user=request.user),
        "consent_form": consent_form or ConsentForm(customer=customer),
    }, status=status)


@login_required
@require_POST
def customer_consent(request, pk: int):
    """Record the customer's consent with how they gave it, as changed by the user."""
    customer = get_customer_for_user(request.user, pk, edit=True)
    if not request.user.has_perm("customers.add_consentchange"):
        raise PermissionDenied
    form = ConsentForm(request.POST, customer=customer)
    if not form.is_valid():
        return _edit_page(request, customer, consent_form=form)
    changed = form.save(request.user)
    if changed:
        messages.success(request, _("Consent updated."))
    else:
        messages.info(request, _("Consent unchanged."))
    return redirect(customer)
