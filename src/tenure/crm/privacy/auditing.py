"""The audit log of personal data, kept by django-auditlog.

Changes to the records that hold personal data are logged with the user of the
request (auditlog's middleware); a customer page view is an access entry
(auditlog's ``accessed`` signal); exports are access entries written here.
Every entry about a customer carries ``additional_data["customer"]``, so the
audit page can filter by customer and an erasure can find and scrub them.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

from auditlog.cid import get_cid
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from auditlog.signals import pre_log
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db.models import BooleanField, CharField, JSONField, Q, TextField
from django.db.models.signals import pre_save
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from tenure.crm.customers.models import ConsentChange, Customer, CustomerMerge
from tenure.crm.engagement.models import Activity, Complaint, ComplaintEvent, Interaction
from tenure.crm.feedback.models import Answer, Invitation

from .models import ERASED, counts_summary

# The customer's fields that say who they are, whatever their type.
PROFILE_FIELDS = {"name", "email", "phone", "birth_date", "gender", "city", "notes",
                  "language", "external_id", "referred_by", "tags"}

# model -> how to find the customer an instance is about
CUSTOMER_OF = {
    Customer: lambda obj: obj.pk,
    ConsentChange: lambda obj: obj.customer_id,
    CustomerMerge: lambda obj: obj.kept_id,
    Interaction: lambda obj: obj.customer_id,
    Activity: lambda obj: obj.customer_id,
    Complaint: lambda obj: obj.customer_id,
    ComplaintEvent: lambda obj: obj.complaint.customer_id,
    Invitation: lambda obj: obj.customer_id,
    Answer: lambda obj: obj.customer_id,
}

ACTION_LABELS = {
    LogEntry.Action.CREATE: _("Created"),
    LogEntry.Action.UPDATE: _("Changed"),
    LogEntry.Action.DELETE: _("Deleted"),
    LogEntry.Action.ACCESS: _("Viewed"),
}

# The lists an export names (``lib.exports.log_list_export``'s ``what``), in words.
LIST_EXPORTS = {
    "customer list": _("Customer list"),
    "at-risk list": _("At-risk list"),
    "order list": _("Order list"),
    "complaint list": _("Complaint list"),
}

# Fields whose changes say nothing about the person: bookkeeping, the worker's claims,
# secrets, and the merge snapshot (a copy of a customer, kept in the merge itself).
NOT_LOGGED = {
    Customer: ["updated_at"],
    Activity: ["reminder_at", "reminded_at"],
    Invitation: ["token"],
    CustomerMerge: ["snapshot"],
}

# What the last pre_log signal was about: (model, pk, customer id). auditlog sends it
# just before it saves the entry, in the same thread, so pre_save of the entry reads it.
_about: ContextVar[tuple[type, str, int | None] | None] = ContextVar("audit_about", default=None)


def register() -> None:
    """Track the models that hold personal data (called once, when the app is ready)."""
    for model in CUSTOMER_OF:
        if auditlog.contains(model):
            continue
        # Concrete fields only: auditlog would list the reverse relations too, as noise.
        fields = [f.name for f in model._meta.concrete_fields
                  if f.name not in NOT_LOGGED.get(model, [])]
        auditlog.register(model, include_fields=fields,
                          m2m_fields={"tags"} if model is Customer else None)
    pre_log.connect(_remember_customer, dispatch_uid="privacy_remember_customer")
    pre_save.connect(_attach_customer, sender=LogEntry, dispatch_uid="privacy_attach_customer")


def _remember_customer(sender, instance, **kwargs):
    if sender in CUSTOMER_OF:
        _about.set((sender, str(instance.pk), CUSTOMER_OF[sender](instance)))


def _attach_customer(sender, instance: LogEntry, **kwargs) -> None:
    """Note on an entry which customer it is about, unless the writer did already."""
    data = instance.additional_data if isinstance(instance.additional_data, dict) else {}
    if "customer" in data:
        return
    model, pk = instance.content_type.model_class(), str(instance.object_pk)
    customer_id = None
    if model is Customer and pk.isdigit():
        customer_id = int(pk)
    else:
        about = _about.get()
        if about is not None and about[0] is model and about[1] == pk:
            customer_id = about[2]
    if customer_id is not None:
        instance.additional_data = {**data, "customer": customer_id}


def log_export(customer: Customer, *, actor=None, via: str = "web") -> LogEntry:
    """Record that everything held about ``customer`` was exported."""
    extra = {"actor": actor} if actor is not None else {}
    return LogEntry.objects.log_create(
        customer, force_log=True, action=LogEntry.Action.ACCESS,
        additional_data={"customer": customer.pk, "access": "export", "via": via}, **extra,
    )


def log_erasure(customer_id: int, counts: dict, *, actor=None) -> LogEntry:
    """Record an erasure in the audit log too: who, when, which customer, how many rows."""
    return LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Customer), object_pk=str(customer_id),
        object_id=customer_id, object_repr=f"#{customer_id}", action=LogEntry.Action.UPDATE,
        actor=actor, cid=get_cid(),
        additional_data={"customer": customer_id, "erasure": counts},
    )


def entries_about(customer_ids: set[int], objects: dict[type, set[int]]) -> Q:
    """Return the condition of the entries about these customers or their records."""
    condition = Q(additional_data__customer__in=sorted(customer_ids))
    for model, pks in {Customer: customer_ids, **objects}.items():
        if pks:
            condition |= Q(content_type=ContentType.objects.get_for_model(model),
                           object_pk__in=[str(pk) for pk in pks])
    return condition


def scrub(customer_ids: set[int], objects: dict[type, set[int]]) -> int:
    """Replace what the entries about the person recorded of them; return how many.

    The entries stay (who did what, when, to which fields); the values of text fields
    and of the profile go. Statuses, dates of events, amounts and ids stay.
    """
    entries = LogEntry.objects.filter(entries_about(customer_ids, objects))
    count = 0
    # Read them all first: SQLite cannot update a table while a read of it is open.
    for entry in list(entries.select_related("content_type")
                      .only("pk", "changes", "additional_data", "content_type")):
        data = entry.additional_data if isinstance(entry.additional_data, dict) else {}
        kept = {key: data[key] for key in ("customer", "access", "via", "erasure") if key in data}
        LogEntry.objects.filter(pk=entry.pk).update(
            object_repr=ERASED, changes_text="", serialized_data=None,
            changes=_blank_changes(entry.content_type.model_class(), entry.changes),
            additional_data=kept or None,
        )
        count += 1
    return count


def _blank_changes(model, changes):
    """Keep which fields changed and the values that say nothing about the person."""
    if not isinstance(changes, dict):
        return None
    blanked = {}
    for name, values in changes.items():
        if isinstance(values, dict):  # a many-to-many change: {"objects": [...], ...}
            blanked[name] = {**values, "objects": [ERASED for _ in values.get("objects", [])]}
        elif not isinstance(values, list):
            blanked[name] = ERASED
        elif _personal(model, name):
            blanked[name] = [v if v in (None, "", "None") else ERASED for v in values]
        else:
            blanked[name] = values
    return blanked


def _personal(model, name: str) -> bool:
    """Return whether a field's values may say who the person is or what they said."""
    if model is Customer and name in PROFILE_FIELDS:
        return True
    try:
        field = model._meta.get_field(name)
    except (AttributeError, FieldDoesNotExist):
        return True
    if not field.concrete:
        return True
    if field.is_relation or field.choices:
        return False
    return isinstance(field, CharField | TextField | JSONField)


@dataclass
class AuditRow:
    """One entry of the audit log as the audit page shows it."""

    entry: LogEntry
    action: str
    subject: str
    customer_id: int | None
    changes: list[tuple[str, str, str]]
    detail: str = ""


def describe(entry: LogEntry) -> AuditRow:
    """Return what ``entry`` records, in words."""
    data = entry.additional_data if isinstance(entry.additional_data, dict) else {}
    model = entry.content_type.model_class()
    name = model._meta.verbose_name if model else entry.content_type.model
    subject = f"{capfirst(name)} {_shown(entry.object_repr, empty='')}".strip()
    detail = ""
    if "erasure" in data:
        action = _("Erased")
        counts = data["erasure"]
        detail = counts_summary(counts) if isinstance(counts, dict) else ""
    elif entry.action == LogEntry.Action.ACCESS and data.get("access") == "export":
        action = _("Exported")
        if not entry.object_pk:
            subject = LIST_EXPORTS.get(entry.object_repr, LIST_EXPORTS["customer list"])
            detail = ngettext("%(rows)d row", "%(rows)d rows", data.get("rows") or 0) % {
                "rows": data.get("rows") or 0}
    else:
        action = ACTION_LABELS.get(entry.action, str(entry.action))
    return AuditRow(entry, str(action), str(subject), data.get("customer"),
                    _changes(model, entry.changes), detail)


def _changes(model, changes) -> list[tuple[str, str, str]]:
    if not isinstance(changes, dict):
        return []
    rows = []
    for name, values in changes.items():
        try:
            field = model._meta.get_field(name)
            label = str(capfirst(field.verbose_name))
        except (AttributeError, FieldDoesNotExist):
            field, label = None, name
        if isinstance(values, dict):  # many-to-many: {"operation": "add", "objects": [...]}
            sign = "+" if values.get("operation") == "add" else "−"
            objects = ", ".join(_shown(obj) for obj in values.get("objects", []))
            rows.append((label, "", f"{sign} {objects}"))
        elif isinstance(values, list) and len(values) == 2:
            yes_no = isinstance(field, BooleanField)
            rows.append((label, _shown(values[0], yes_no), _shown(values[1], yes_no)))
    return rows


def _shown(value, yes_no: bool = False, empty: str = "—") -> str:
    """Return a value as auditlog stored it (as text), in the words of the page's language."""
    if value in (None, "", "None"):
        return empty
    text = str(value)
    if text == ERASED:  # an erasure's marker, stored in English
        return gettext("[erased]")
    if yes_no and text in ("True", "False"):  # auditlog stores booleans as text
        return gettext("yes") if text == "True" else gettext("no")
    return text
