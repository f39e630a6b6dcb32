"""Erase a person: anonymise everything held about them while the shop's figures stay.

The customer row stays (orders point to it and are PROTECT), emptied of who they
are; the free texts about them are cleared; copies of what was sent to them,
merge snapshots and audit entries lose their values; any other text in the
database that names them (by email, phone, or a full name) has that replaced;
the files under the var folder are rewritten without them. Orders, their
lines, amounts and dates are untouched, so revenue and order counts do not move.

All of it happens in one transaction; the files are swapped inside it and put
back if it fails. On SQLite, freed bytes are zeroed (``secure_delete``, turned
on for every connection by the app) and the write-ahead log is emptied after.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from auditlog.context import disable_auditlog
from django.apps import apps
from django.contrib.admin.models import LogEntry as AdminLogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, models, transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone

from tenure.crm.customers.models import (
    SEARCH_COLUMNS,
    Channel,
    ConsentChange,
    ConsentSource,
    Customer,
    CustomerAlias,
    CustomerMerge,
    refresh_search_columns,
)
from tenure.crm.engagement.models import (
    Activity,
    Complaint,
    ComplaintEvent,
    Interaction,
    refold_complaints,
)
from tenure.crm.feedback.models import Answer, Invitation
from tenure.crm.lib.search import fold
from tenure.crm.messaging.models import Message, MessageStatus, Notification

from . import auditing, files
from .identifiers import Identifiers, replace_in
from .models import ERASED, Erasure

# The source of the consent withdrawals an erasure records.
ERASURE_SOURCE = ConsentSource.ERASURE
TOKEN_PREFIX = "erased-"

# Customer fields that say who the person is; all emptied (the external id becomes a token).
PROFILE = {
    "name": "", "email": "", "phone": "", "birth_date": None, "gender": "", "city": "",
    "notes": "", "language": "", "time_zone": "", "telegram_chat_id": "", "referred_by": None,
    # What search folded from the fields above.
    "search_text": "", "phone_digits": "",
}
# The same fields as a merge snapshot stores them.
SNAPSHOT_BLANK = {**PROFILE, "external_id": ""}

# Never searched for mentions: staff accounts (a user may share a name with a customer),
# framework tables, and the erasure records themselves.
SWEEP_SKIPPED_MODELS = {"accounts.user", "sessions.session", "contenttypes.contenttype",
                        "auth.permission", "auth.group", "privacy.erasure"}
# Another customer's own name, phone and id are theirs, not a mention of this person.
SWEEP_SKIPPED_FIELDS = {("customers.customer", "name"), ("customers.customer", "phone"),
                        ("customers.customer", "external_id"),
                        # Folded from the other fields: refolded after they are swept.
                        *(("customers.customer", name) for name in SEARCH_COLUMNS),
                        ("engagement.complaint", "search_text")}

@dataclass
class Person:
    """A customer about to be erased: how they are known, and their records."""

    customer: Customer
    identifiers: Identifiers
    # The customer and the duplicates merged into them.
    customer_ids: set[int]
    # model -> primary keys of the person's rows
    objects: dict[type, set[int]]

    @classmethod
    def of(cls, customer: Customer) -> Person:
        identifiers = Identifiers()
        identifiers.add({f: getattr(customer, f) for f in ("name", "email", "phone")})
        if not customer.external_id.startswith(TOKEN_PREFIX):
            identifiers.add({"external_id": customer.external_id})
        for alias in CustomerAlias.objects.filter(customer=customer):
            identifiers.add({"external_id": alias.external_id})
        merges = CustomerMerge.objects.filter(Q(kept=customer) | Q(removed_id=customer.pk))
        customer_ids = {customer.pk}
        for merge in merges:
            identifiers.add(merge.snapshot.get("removed", {}).get("fields", {}))
            if merge.kept_id == customer.pk:
                identifiers.add(merge.snapshot.get("kept_changes", {}))
                customer_ids.add(merge.removed_id)
        return cls(customer, identifiers, customer_ids, _objects(customer, merges))


def _objects(customer: Customer, merges) -> dict[type, set[int]]:
    def pks(queryset) -> set[int]:
        return set(queryset.values_list("pk", flat=True))

    return {
        ConsentChange: pks(ConsentChange.objects.filter(customer=customer)),
        Interaction: pks(Interaction.objects.filter(customer=customer)),
        Activity: pks(Activity.objects.filter(customer=customer)),
        Complaint: pks(Complaint.objects.filter(customer=customer)),
        ComplaintEvent: pks(ComplaintEvent.objects.filter(complaint__customer=customer)),
        Invitation: pks(Invitation.objects.filter(customer=customer)),
        Answer: pks(Answer.objects.filter(customer=customer)),
        CustomerMerge: pks(merges),
    }


@dataclass
class ErasureResult:
    erasure: Erasure
    # Files that mention the person and were left alone (other databases, backups).
    files_left: list[Path] = field(default_factory=list)
    # Other customers with the same email or phone: perhaps the same person.
    same_contacts: list[int] = field(default_factory=list)
    # SQLite: whether the write-ahead log was emptied (None on other databases).
    log_emptied: bool | None = None


def erase(customer: Customer, *, by=None) -> ErasureResult:
    """Erase ``customer``'s personal data everywhere; return what was done."""
    plan = None
    try:
        with transaction.atomic(durable=True):
            customer = Customer.objects.select_for_update().get(pk=customer.pk)
            person = Person.of(customer)
            same = _same_contacts(customer)
            plan = files.plan(person.identifiers)
            with disable_auditlog():
                counts = _anonymise(person, by)
            counts["audit_entries"] = auditing.scrub(person.customer_ids, person.objects)
            counts["mentions"] = sweep(person.identifiers)
            counts["files_rewritten"], counts["files_removed"] = plan.rewritten, plan.removed
            # The files change last but one: a failure of the records below puts them back.
            plan.apply()
            erasure = Erasure.objects.create(customer_id=customer.pk, erased_by=by, counts=counts)
            auditing.log_erasure(customer.pk, counts, actor=by)
    except BaseException:
        if plan is not None:
            plan.undo()
        raise
    plan.commit()
    return ErasureResult(erasure, plan.left, same, empty_write_ahead_log())


def _same_contacts(customer: Customer) -> list[int]:
    contacts = Q()
    if customer.email:
        contacts |= Q(email__iexact=customer.email)
    if customer.phone:
        contacts |= Q(phone=customer.phone)
    if not contacts:
        return []
    return sorted(Customer.objects.filter(contacts).exclude(pk=customer.pk)
                  .values_list("pk", flat=True))


def _anonymise(person: Person, by) -> dict[str, int]:
    """Empty the person's profile and the free texts of their records; return counts."""
    customer = person.customer
    counts = {"consent_withdrawn": 0}
    for channel in Channel:
        if customer.consent(channel):
            customer.set_consent(channel, False, source=ERASURE_SOURCE, by=by)
            counts["consent_withdrawn"] += 1
    customer.tags.clear()
    # The ids other files knew them by: an alias may be an email, and it would tie a
    # re-imported row to the erased record.
    counts["aliases"] = CustomerAlias.objects.filter(customer=customer).delete()[0]
    Customer.objects.filter(pk=customer.pk).update(
        **PROFILE, external_id=f"{TOKEN_PREFIX}{customer.pk}", updated_at=timezone.now())
    counts["interactions"] = Interaction.objects.filter(customer=customer).update(
        summary="", channel="")
    counts["activities"] = Activity.objects.filter(customer=customer).update(
        subject=ERASED, notes="", outcome="")
    counts["complaints"] = Complaint.objects.filter(customer=customer).update(
        description=ERASED, resolution="", search_text=fold(ERASED))
    counts["complaint_events"] = ComplaintEvent.objects.filter(
        complaint__customer=customer).update(note="")
    counts["survey_answers"] = Answer.objects.filter(customer=customer).update(comment="")
    # Their survey links stop working: nobody answers in the name of an erased person.
    now = timezone.now()
    Invitation.objects.filter(customer=customer, expires_at__gt=now).update(expires_at=now)
    counts.update(_blank_messages(person))
    counts["merges"] = _scrub_merges(person)
    counts["admin_log_entries"] = _scrub_admin_log(person)
    return counts


def _blank_messages(person: Person) -> dict[str, int]:
    """Blank the outbox copies sent to the person and those about them sent to staff."""
    customer, objects = person.customer, person.objects
    topics = ([f"complaint:{pk}" for pk in objects[Complaint]]
              + [f"activity:{pk}" for pk in objects[Activity]]
              + [f"survey:{pk}" for pk in objects[Invitation]])
    about = Message.objects.filter(Q(customer=customer) | Q(topic__in=topics))
    # Not sent yet: never sent now, to nobody.
    about.filter(status=MessageStatus.QUEUED).update(status=MessageStatus.CANCELLED)
    Message.objects.filter(customer=customer, user__isnull=True).update(to_email="")
    messages = about.update(subject="", body_text="", body_html="", error="")
    urls = [customer.get_absolute_url()]
    urls += [reverse("engagement:activity", args=[pk]) for pk in objects[Activity]]
    urls += [reverse("engagement:complaint", args=[pk]) for pk in objects[Complaint]]
    notes = Notification.objects.filter(url__in=urls).update(text=ERASED)
    return {"messages": messages, "notifications": notes}


def _scrub_merges(person: Person) -> int:
    """Empty the person's fields in the snapshots of the merges they took part in."""
    count = 0
    for merge in CustomerMerge.objects.filter(pk__in=person.objects[CustomerMerge]):
        snapshot = merge.snapshot
        removed = snapshot.get("removed", {}).get("fields", {})
        removed.update({k: v for k, v in SNAPSHOT_BLANK.items() if k in removed})
        if merge.kept_id == person.customer.pk:
            changes = snapshot.get("kept_changes", {})
            changes.update({k: v for k, v in SNAPSHOT_BLANK.items() if k in changes})
        if snapshot.get("alias"):
            snapshot["alias"]["external_id"] = ""
        CustomerMerge.objects.filter(pk=merge.pk).update(snapshot=snapshot)
        count += 1
    return count


def _scrub_admin_log(person: Person) -> int:
    """Replace the names Django's admin history recorded for the person's rows."""
    condition = Q()
    for model, pks in {Customer: person.customer_ids, **person.objects}.items():
        if pks:
            condition |= Q(content_type=ContentType.objects.get_for_model(model),
                           object_id__in=[str(pk) for pk in pks])
    return AdminLogEntry.objects.filter(condition).update(object_repr=ERASED)


def sweep(identifiers: Identifiers) -> int:
    """Replace every other mention of the person (email, phone, full name) in the
    database's text and JSON columns; return how many rows changed."""
    terms, pattern = identifiers.terms(), identifiers.text_pattern()
    if not terms:
        return 0
    changed = 0
    for model in apps.get_models():
        if model._meta.label_lower in SWEEP_SKIPPED_MODELS or not model._meta.managed:
            continue
        fields = [f for f in model._meta.concrete_fields if _sweepable(model, f)]
        if fields:
            pks = _sweep_model(model, fields, terms, pattern)
            # The texts swept must not stay searchable through their folded copies.
            if model is Customer:
                refresh_search_columns(pks)
            elif model is Complaint:
                refold_complaints(pks)
            changed += len(pks)
    return changed


def _sweepable(model, field) -> bool:
    if (model._meta.label_lower, field.name) in SWEEP_SKIPPED_FIELDS or field.primary_key:
        return False
    if isinstance(field, models.EmailField) or field.choices:
        return False
    return isinstance(field, models.CharField | models.TextField | models.JSONField)


def _sweep_model(model, fields, terms: list[str], pattern) -> list[int]:
    """Replace the mentions in ``fields`` of ``model``'s rows; return the changed rows' ids."""
    rows = model._base_manager.all()
    condition = Q()
    for f in fields:
        lookup = f.name
        searched = list(terms)
        if isinstance(f, models.JSONField):
            lookup = f"_text_{f.name}"
            rows = rows.alias(**{lookup: Cast(f.name, TextField())})
            # SQLite keeps JSON with non-ASCII characters escaped (\u0410...).
            searched += [_json_escaped(t) for t in terms if _json_escaped(t) != t]
        for term in searched:
            condition |= Q(**{f"{lookup}__icontains": term})
    changed = []
    names = [f.name for f in fields]
    # Read them all first: SQLite cannot update a table while a read of it is open.
    for row in list(rows.filter(condition).values("pk", *names)):
        updates = {}
        for f in fields:
            value = row[f.name]
            new = replace_in(value, pattern, ERASED)
            if isinstance(new, str) and f.max_length:
                new = new[:f.max_length]
            if new != value:
                updates[f.name] = new
        if updates:
            model._base_manager.filter(pk=row["pk"]).update(**updates)
            changed.append(row["pk"])
    return changed


def _json_escaped(term: str) -> str:
    return json.dumps(term)[1:-1]


def empty_write_ahead_log(attempts: int = 5) -> bool | None:
    """Copy SQLite's write-ahead log into the database and truncate it, so the old
    page images with the erased values are gone; None on other databases."""
    if connection.vendor != "sqlite":
        return None
    if connection.in_atomic_block:
        return False  # the caller's transaction is still open (tests): nothing to copy yet
    try:
        with connection.cursor() as cursor:
            for _attempt in range(attempts):
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                busy, _frames, _copied = cursor.fetchone()
                if not busy:
                    return True
                # A reader holds an older snapshot; it lets go within moments.
                time.sleep(0.2)
    except DatabaseError:
        # The erasure is committed; an unfinished checkpoint is reported, not raised.
        return False
    return False
