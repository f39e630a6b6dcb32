"""Pages for possible duplicates: the list, the comparison with its merge, the history."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .access import customers_for_user, get_customer_for_user
from .duplicates import possible_duplicates
from .merging import MergeError, merge_customers, moved_rows, undo_merge
from .models import Customer, CustomerMerge

PER_PAGE = 50
# A merge changes the kept customer and deletes the other; its undo adds them back.
MERGE_PERMISSIONS = ("customers.add_customer", "customers.change_customer",
                     "customers.delete_customer")


class MergeForm(forms.Form):
    """Choose which of two customers to keep."""

    keep = forms.TypedChoiceField(
        label=gettext_lazy("Keep"), coerce=int, widget=forms.RadioSelect
    )

    def __init__(self, first: Customer, second: Customer, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pair = {first.pk: (first, second), second.pk: (second, first)}
        self.fields["keep"].choices = [(c.pk, f"#{c.pk} {c}") for c in (first, second)]
        self.fields["keep"].initial = first.pk

    def kept_and_removed(self) -> tuple[Customer, Customer]:
        return self.pair[self.cleaned_data["keep"]]


def require_merge_permission(user) -> None:
    """Raise 403 unless ``user`` may merge customers and undo merges."""
    if not user.has_perms(MERGE_PERMISSIONS):
        raise PermissionDenied


@login_required
def duplicate_list(request):
    """List the pairs of customers that share an email, a phone or an external id."""
    pairs = possible_duplicates(customers_for_user(request.user))
    page = Paginator(pairs, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "duplicates/list.html", {"page": page})


def _with_stats(*customers: Customer) -> list[Customer]:
    found = Customer.objects.with_order_stats("orders_count", "revenue").select_related(
        "manager", "referred_by"
    ).prefetch_related("tags").in_bulk([c.pk for c in customers])
    return [found[c.pk] for c in customers]


@login_required
def compare(request, first: int, second: int):
    """Show two customers side by side and merge them on confirmation."""
    if first == second:
        raise Http404
    pair = [get_customer_for_user(request.user, pk) for pk in (first, second)]
    form = MergeForm(*pair, data=request.POST or None)
    if request.method == "POST":
        require_merge_permission(request.user)
        if form.is_valid():
            return _merge(request, *form.kept_and_removed())
    return render(request, "duplicates/compare.html", {
        "customers": _with_stats(*pair), "form": form,
        "can_merge": request.user.has_perms(MERGE_PERMISSIONS),
    })


def _merge(request, kept: Customer, removed: Customer):
    name = str(removed)
    try:
        merge_customers(kept, removed, by=request.user)
    except MergeError as exc:
        messages.error(request, str(exc))
        return redirect("duplicates:compare", first=kept.pk, second=removed.pk)
    messages.success(request, _(
        "%(removed)s was merged into %(kept)s. The merge can be undone from the merge history."
    ) % {"removed": name, "kept": kept})
    return redirect(kept)


@login_required
def history(request):
    """List the merges of the customers the user may see."""
    merges = CustomerMerge.objects.filter(
        kept__in=customers_for_user(request.user)
    ).select_related("kept", "merged_by", "undone_by")
    page = Paginator(merges, PER_PAGE).get_page(request.GET.get("page"))
    for merge in page.object_list:
        merge.moved_rows = moved_rows(merge)
    return render(request, "duplicates/history.html", {
        "page": page, "can_undo": request.user.has_perms(MERGE_PERMISSIONS),
    })


@require_POST
@login_required
def undo(request, pk: int):
    """Undo a merge and go back to the history."""
    require_merge_permission(request.user)
    merge = get_object_or_404(CustomerMerge, pk=pk, kept__in=customers_for_user(request.user))
    try:
        restored = undo_merge(merge, by=request.user)
    except MergeError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The merge was undone: %(customer)s is back.")
                         % {"customer": restored})
    return redirect("duplicates:history")
