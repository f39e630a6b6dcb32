"""Bulk actions: one action applied to many customers chosen on a list.

The customer list and At risk let a user tick customers (or take every customer the
filters match) and apply one action to all of them: assign a manager, add or remove a
tag here; the apps above this one add theirs (plan a call, send a survey) with
``register`` from their ``AppConfig.ready``, as they do with the timeline.

Each action says who may use it (``allowed``), asks what it needs with a form, and
applies itself in one transaction: every customer or none. A ``download`` action (export)
answers with a file instead of a message. The customers are those the
user may see (`access.customers_for_user`); a selection naming any other is refused whole.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db import transaction
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tenure.crm.lib import exports

from . import exporting
from .forms import ManagerChoiceField, manager_choices
from .models import CustomerAssignment, Tag

#: The most customers one action may change at once.
MAX_CUSTOMERS = 5000


@dataclass(frozen=True)
class BulkAction:
    """An action on many customers.

    ``form`` is called with ``(data, user=...)`` and returns a form; ``apply`` gets the
    user, the customers and the form's cleaned data and returns the message to show, or,
    for a ``download`` action, the response carrying the file.
    """

    name: str
    label: object  # a lazy translation
    allowed: Callable[[object], bool]
    form: Callable[..., forms.Form]
    apply: Callable[[object, QuerySet, dict], Any]
    download: bool = False


ACTIONS: dict[str, BulkAction] = {}


def register(action: BulkAction) -> None:
    """Offer ``action`` on the lists (apps above this one, from ``AppConfig.ready``)."""
    ACTIONS[action.name] = action


def actions_for(user) -> list[BulkAction]:
    """Return the actions ``user`` may apply, in the order they were registered."""
    return [action for action in ACTIONS.values() if action.allowed(user)]


def run(action: BulkAction, user, customers: QuerySet, data: dict) -> str:
    """Apply ``action`` to ``customers`` in one transaction; return its message."""
    with transaction.atomic():
        return action.apply(user, customers, data)


# --- the customer record's own actions ------------------------------------------------------

def _may_assign(user) -> bool:
    # A sales manager works their own portfolio and cannot hand customers over.
    return user.has_perm("customers.change_customer") and not user.sees_only_own_customers


def _may_tag(user) -> bool:
    return user.has_perm("customers.change_customer")


class AssignForm(forms.Form):
    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The sales managers of now, not of when the module was loaded.
        self.fields["manager"] = ManagerChoiceField(
            queryset=manager_choices(), required=False, label=_("Manager"),
            empty_label=_("Nobody (unassigned)"))


class TagForm(forms.Form):
    """The tag to add (a new one only for those who may create tags) or remove."""

    tag = forms.CharField(label=_("Tag"), max_length=64)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_tag(self):
        name = self.cleaned_data["tag"].strip()
        if not name:
            raise forms.ValidationError(_("Write the tag."))
        if not Tag.objects.filter(name=name).exists() and not (
                self.user is not None and self.user.has_perm("customers.add_tag")):
            raise forms.ValidationError(_("There is no tag “%(tag)s”; choose an existing one "
                                          "or ask an administrator to create it.")
                                        % {"tag": name})
        return name


def _assign(user, customers: QuerySet, data: dict) -> str:
    manager = data.get("manager")
    changed = list(customers.exclude(manager=manager) if manager else
                   customers.exclude(manager__isnull=True))
    # The history in one pass; then one save per customer, so that the audit log
    # records each change of manager.
    CustomerAssignment.objects.record({c.pk: getattr(manager, "pk", None) for c in changed},
                                      by=user)
    for customer in changed:
        customer.manager = manager
        customer.save(update_fields=["manager", "updated_at"], keep_history=False)
    count = len(changed)
    if manager is None:
        return ngettext("%(count)d customer unassigned.", "%(count)d customers unassigned.",
                        count) % {"count": count}
    return ngettext("%(count)d customer assigned to %(manager)s.",
                    "%(count)d customers assigned to %(manager)s.", count) % {
        "count": count, "manager": manager.get_full_name() or manager.username}


def _add_tag(user, customers: QuerySet, data: dict) -> str:
    tag, _created = Tag.objects.get_or_create(name=data["tag"])
    missing = list(customers.exclude(tags=tag))
    tag.customers.add(*missing)
    return ngettext("Tag “%(tag)s” added to %(count)d customer.",
                    "Tag “%(tag)s” added to %(count)d customers.", len(missing)) % {
        "tag": tag.name, "count": len(missing)}


def _remove_tag(user, customers: QuerySet, data: dict) -> str:
    tag = Tag.objects.filter(name=data["tag"]).first()
    having = list(customers.filter(tags=tag)) if tag is not None else []
    if tag is not None:
        tag.customers.remove(*having)
    return ngettext("Tag “%(tag)s” removed from %(count)d customer.",
                    "Tag “%(tag)s” removed from %(count)d customers.", len(having)) % {
        "tag": data["tag"], "count": len(having)}


class ExportForm(forms.Form):
    format = forms.ChoiceField(label=_("File"), initial="xlsx", choices=[
        ("xlsx", _("Excel workbook (XLSX)")), ("csv", _("CSV, in this language's conventions"))])

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)


def _may_export(user) -> bool:
    # Whoever sees a customer list may export it (as from the list's own Export links).
    return user.has_perm("customers.view_customer")


def _export(user, customers: QuerySet, data: dict):
    kind = data["format"]
    chosen = QueryDict(mutable=True)
    # The audit entry names the customers of a selection one could tick; a download of
    # everything the filters find (any number) is recorded with its size alone.
    ids = list(customers.order_by("pk").values_list("pk", flat=True)[:MAX_CUSTOMERS + 1])
    if len(ids) <= MAX_CUSTOMERS:
        chosen.setlist("ids", [str(pk) for pk in ids])
    exports.log_list_export(customers, kind, chosen, what="customer list")
    return exports.response(kind, exporting.table(customers, ["name", "pk"]))


register(BulkAction("assign", _("Assign to a manager"), _may_assign, AssignForm, _assign))
register(BulkAction("add_tag", _("Add a tag"), _may_tag, TagForm, _add_tag))
register(BulkAction("remove_tag", _("Remove a tag"), _may_tag, TagForm, _remove_tag))
register(BulkAction("export", _("Export"), _may_export, ExportForm, _export, download=True))
