"""Merge two customers into one, keeping the whole history of both, and undo a merge.

Every row that points to the removed customer is moved to the kept one. The rows
are found through ``Customer._meta.related_objects``, so the relations of apps
added later (interactions, complaints, surveys...) move without this module
knowing them. The merge keeps a JSON snapshot: the removed customer as Django's
serializer writes it, the ids of the rows moved per relation, and the kept
customer's fields as they were, which is all ``undo_merge`` needs.

The removed customer's external id becomes an alias of the kept customer, so importing
the removed record's source again updates the kept customer instead of bringing the
removed one back; undoing the merge removes the alias.
"""

from __future__ import annotations

import datetime
import json

from django.apps import apps
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenure.crm.accounts.models import User

from . import stats
from .models import (
    SEARCH_COLUMNS,
    Channel,
    ConsentChange,
    Customer,
    CustomerAlias,
    CustomerAssignment,
    CustomerMerge,
    CustomerStats,
    Tag,
    refresh_search_columns,
)

# Profile fields that a merge fills on the kept customer when they are blank there.
# The external id is not among them: it names the removed record in its source system.
FILLED_FIELDS = (
    "name", "email", "phone", "birth_date", "gender", "city", "acquisition_channel",
    "acquired_on", "referred_by", "manager",
)


class MergeError(Exception):
    """A merge or an undo that cannot be done; the message says why."""


class _ExactEncoder(DjangoJSONEncoder):
    """Encode times with their microseconds, which DjangoJSONEncoder drops."""

    def default(self, o):
        if isinstance(o, datetime.datetime):
            return o.isoformat()
        return super().default(o)


def _serialize(customer: Customer) -> dict:
    """Return ``customer`` as the JSON serializer writes it (fields, tags and pk).

    The search columns are left out: they are folded again from the fields when the
    snapshot is saved back, and a snapshot keeps no second copy of who the person is.
    """
    data = json.loads(serializers.serialize("json", [customer], cls=_ExactEncoder))[0]
    for name in SEARCH_COLUMNS:
        data["fields"].pop(name, None)
    return data


def _deserialize(data: dict):
    """Return the unsaved DeserializedObject for ``data`` written by ``_serialize``."""
    return next(serializers.deserialize("json", json.dumps([data])))


def _relation_key(rel) -> str:
    return f"{rel.related_model._meta.label_lower}.{rel.field.name}"


def _relations():
    """Yield the relations of other rows to a customer that a merge has to move."""
    for rel in Customer._meta.related_objects:
        if rel.many_to_many and not rel.through._meta.auto_created:
            continue  # its through model holds a foreign key, moved as its own relation
        if rel.related_model is CustomerStats:
            continue  # figures of the orders, computed again after the move (`stats`)
        if rel.related_model is CustomerAssignment:
            continue  # each record's own history of managers: kept in the snapshot
        yield rel


def _move_foreign_keys(rel, kept: Customer, removed: Customer) -> list[int]:
    """Point the rows of ``rel`` from ``removed`` to ``kept``; return their ids."""
    rows = rel.related_model._base_manager.filter(**{rel.field.name: removed})
    if rel.related_model is Customer:
        rows = rows.exclude(pk=kept.pk)  # a kept customer referred by the removed one
    ids = sorted(rows.values_list("pk", flat=True))
    if rel.one_to_one and ids and rel.related_model._base_manager.filter(
        **{rel.field.name: kept}
    ).exists():
        raise MergeError(_("Both customers have a %(model)s; only one can be kept.")
                         % {"model": rel.related_model._meta.verbose_name})
    rel.related_model._base_manager.filter(pk__in=ids).update(**{rel.field.name: kept})
    return ids


def _move_many_to_many(rel, kept: Customer, removed: Customer) -> dict:
    """Link the objects linked to ``removed`` to ``kept``; return their ids.

    ``moved`` were linked to the removed customer only, ``shared`` to both.
    """
    linked = set(getattr(removed, rel.get_accessor_name()).values_list("pk", flat=True))
    shared = linked & set(getattr(kept, rel.get_accessor_name()).values_list("pk", flat=True))
    moved = linked - shared
    getattr(kept, rel.get_accessor_name()).add(*moved)
    return {"moved": sorted(moved), "shared": sorted(shared)}


def _move_related(kept: Customer, removed: Customer) -> dict:
    """Move every row that points to ``removed``; return the ids per relation."""
    moved = {}
    for rel in _relations():
        if rel.many_to_many:
            ids = _move_many_to_many(rel, kept, removed)
            if ids["moved"] or ids["shared"]:
                moved[_relation_key(rel)] = ids
        else:
            ids = _move_foreign_keys(rel, kept, removed)
            if ids:
                moved[_relation_key(rel)] = ids
    return moved


def _is_blank(value) -> bool:
    return value is None or value == ""


def _fill_blank_fields(kept: Customer, removed: Customer) -> None:
    """Copy the removed customer's profile into the kept one's blank fields."""
    if kept.referred_by_id == removed.pk:
        kept.referred_by_id = None  # nobody refers themselves
    for name in FILLED_FIELDS:
        attname = Customer._meta.get_field(name).attname
        value = getattr(removed, attname)
        if name == "referred_by" and value == kept.pk:
            continue
        if _is_blank(getattr(kept, attname)) and not _is_blank(value):
            setattr(kept, attname, value)
    if removed.notes.strip():
        kept.notes = f"{kept.notes.rstrip()}\n\n{removed.notes.strip()}".strip()


def _resolve_consent(kept: Customer) -> None:
    """Set each consent flag from the latest change of either customer.

    Without any recorded change the kept customer's flag stays: consent is only
    granted on evidence.
    """
    for channel in Channel.values:
        latest = (
            ConsentChange.objects.filter(customer=kept, channel=channel)
            .order_by("-changed_at", "-id").first()
        )
        if latest is not None:
            setattr(kept, f"consent_{channel}", latest.granted)


def _changed_fields(before: dict, after: dict) -> dict:
    """Return the old values of the fields that differ between two serialized customers."""
    return {
        name: value for name, value in before["fields"].items()
        if name not in ("tags", "updated_at") and after["fields"][name] != value
    }


def moved_rows(merge: CustomerMerge) -> int:
    """Return how many rows ``merge`` moved to the kept customer."""
    return sum(
        len(ids["moved"]) if isinstance(ids, dict) else len(ids)
        for ids in merge.snapshot.get("moved", {}).values()
    )


@transaction.atomic
def merge_customers(kept: Customer, removed: Customer, *, by=None) -> CustomerMerge:
    """Merge ``removed`` into ``kept``, delete ``removed``, and return the merge record."""
    if kept.pk == removed.pk:
        raise MergeError(_("A customer cannot be merged with themselves."))
    locked = Customer.objects.select_for_update().in_bulk([kept.pk, removed.pk])
    if len(locked) != 2:
        raise MergeError(_("One of the customers no longer exists."))
    kept, removed = locked[kept.pk], locked[removed.pk]
    kept_before, removed_data = _serialize(kept), _serialize(removed)
    try:
        with transaction.atomic():
            moved = _move_related(kept, removed)
    except IntegrityError as exc:
        raise MergeError(_("The rows of the two customers conflict: %(error)s")
                         % {"error": exc}) from exc
    kept.tags.add(*removed.tags.all())
    _fill_blank_fields(kept, removed)
    _resolve_consent(kept)
    assignments = _serialize_assignments(removed)
    removed.delete()
    kept.save(assigned_by=by)  # a manager taken from the removed record starts now
    stats.refresh([kept.pk])
    snapshot = {
        "removed": removed_data,
        "assignments": assignments,
        "moved": moved,
        "kept_changes": _changed_fields(kept_before, _serialize(kept)),
        "kept_tags": kept_before["fields"]["tags"],
        "alias": _leave_alias(kept, removed),
    }
    return CustomerMerge.objects.create(
        kept=kept, removed_id=removed_data["pk"], snapshot=snapshot, merged_by=by
    )


ASSIGNMENT_FIELDS = ("pk", "manager_id", "started_at", "ended_at", "assigned_by_id")


def _serialize_assignments(customer: Customer) -> list[list]:
    """Return the customer's history of managers, for the snapshot.

    It is not moved to the kept customer: their own history says who looked after them,
    and the removed record's orders, now the kept one's, count for the kept one's managers.
    """
    return [[value.isoformat() if isinstance(value, datetime.datetime) else value
             for value in row]
            for row in customer.assignments.order_by("pk").values_list(*ASSIGNMENT_FIELDS)]


def _restore_assignments(customer: Customer, rows: list[list]) -> None:
    """Put back the history ``_serialize_assignments`` kept (a manager since deleted has
    none left to restore)."""
    users = {row[1] for row in rows} | {row[4] for row in rows if row[4] is not None}
    known = set(User.objects.filter(pk__in=users).values_list("pk", flat=True))
    CustomerAssignment.objects.bulk_create([
        CustomerAssignment(
            pk=pk, customer=customer, manager_id=manager,
            started_at=datetime.datetime.fromisoformat(started),
            ended_at=datetime.datetime.fromisoformat(ended) if ended else None,
            assigned_by_id=by if by in known else None)
        for pk, manager, started, ended, by in rows if manager in known
    ])


def _leave_alias(kept: Customer, removed: Customer) -> dict | None:
    """Make the removed customer's external id an alias of ``kept``; return how to undo it."""
    if not removed.external_id:
        return None
    alias, created = CustomerAlias.objects.get_or_create(
        source=removed.source, external_id=removed.external_id, defaults={"customer": kept})
    previous = None if created else alias.customer_id
    if not created:
        alias.customer = kept
        alias.save(update_fields=["customer"])
    return {"source": alias.source, "external_id": alias.external_id, "previous": previous}


def _remove_alias(data: dict | None) -> None:
    """Undo ``_leave_alias``: delete the alias, or give it back to its former customer."""
    if data is None:
        return
    aliases = CustomerAlias.objects.filter(source=data["source"],
                                           external_id=data["external_id"])
    previous = data["previous"]
    if previous is not None and Customer.objects.filter(pk=previous).exists():
        aliases.update(customer=previous)
    else:
        aliases.delete()


def _existing_or_none(field, value):
    """Return ``value`` if the row it points to still exists, else None."""
    if value is None or field.remote_field.model._base_manager.filter(pk=value).exists():
        return value
    return None


def _save_serialized(data: dict) -> Customer:
    """Save a customer from ``data`` with its primary key, fields and tags, as it was."""
    data = json.loads(json.dumps(data))  # the merge's snapshot stays untouched
    for field in Customer._meta.concrete_fields:
        if field.is_relation and field.name in data["fields"]:
            data["fields"][field.name] = _existing_or_none(field, data["fields"][field.name])
    obj = _deserialize(data)
    obj.m2m_data["tags"] = list(
        Tag.objects.filter(pk__in=obj.m2m_data.get("tags", [])).values_list("pk", flat=True)
    )
    obj.save()  # a raw save, which skips Customer.save(): fold the restored fields here
    refresh_search_columns([obj.object.pk])
    return obj.object


def _move_back(moved: dict, kept: Customer, removed: Customer) -> None:
    """Point the rows recorded in ``moved`` back to ``removed``."""
    for key, ids in moved.items():
        app_label, model_name, field_name = key.split(".")
        model = apps.get_model(app_label, model_name)
        field = model._meta.get_field(field_name)
        if isinstance(field, models.ManyToManyField):
            getattr(kept, field.remote_field.get_accessor_name()).remove(*ids["moved"])
            getattr(removed, field.remote_field.get_accessor_name()).add(
                *ids["moved"], *ids["shared"]
            )
        else:
            model._base_manager.filter(pk__in=ids).update(**{field_name: removed})


def _restore_kept(kept: Customer, snapshot: dict, by) -> None:
    """Give the kept customer back the fields the merge changed; drop the tags it added.

    A manager the merge gave them ends now: the history says who it was meanwhile.
    """
    data = _serialize(kept)
    data["fields"].update(snapshot["kept_changes"])
    added = set(snapshot["removed"]["fields"]["tags"]) - set(snapshot["kept_tags"])
    data["fields"]["tags"] = [pk for pk in data["fields"]["tags"] if pk not in added]
    restored = _save_serialized(data)
    CustomerAssignment.objects.record({restored.pk: restored.manager_id}, by=by)


@transaction.atomic
def undo_merge(merge: CustomerMerge, *, by=None) -> Customer:
    """Undo ``merge``: bring the removed customer and their rows back; return them."""
    merge = CustomerMerge.objects.select_for_update().select_related("kept").get(pk=merge.pk)
    if merge.undone_at is not None:
        raise MergeError(_("This merge was already undone."))
    later = CustomerMerge.objects.filter(kept_id=merge.kept_id, pk__gt=merge.pk, undone_at=None)
    if later.exists():
        # The later merge may have moved rows or changed fields this undo would restore.
        raise MergeError(_("Undo the later merges into %(customer)s first (#%(ids)s).") % {
            "customer": merge.kept, "ids": ", #".join(str(pk) for pk in later.values_list(
                "pk", flat=True)),
        })
    if Customer.objects.filter(pk=merge.removed_id).exists():
        raise MergeError(_("A customer with id %(id)s exists already.") % {"id": merge.removed_id})
    _remove_alias(merge.snapshot.get("alias"))
    removed = _save_serialized(merge.snapshot["removed"])
    _restore_assignments(removed, merge.snapshot.get("assignments", []))
    _move_back(merge.snapshot["moved"], merge.kept, removed)
    _restore_kept(merge.kept, merge.snapshot, by)
    stats.refresh([merge.kept.pk, removed.pk])
    merge.undone_at = timezone.now()
    merge.undone_by = by
    merge.save(update_fields=["undone_at", "undone_by"])
    return removed
