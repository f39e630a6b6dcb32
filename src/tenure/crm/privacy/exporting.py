"""Everything held about one person, as a ZIP with a JSON and a CSV file per kind of record.

Rows are written field by field from the models, so a field added later is exported
without a change here; a relation to the customer added by a new app is exported
too, under its model's name. Foreign keys are ids, except users, named by username.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date, datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from tenure.analytics.textfiles import neutralise
from tenure.crm.customers.models import (
    ConsentChange,
    Customer,
    CustomerAlias,
    CustomerAssignment,
    CustomerMerge,
    CustomerStats,
)
from tenure.crm.engagement.models import Activity, Complaint, ComplaintEvent, Interaction
from tenure.crm.feedback.models import Answer, Invitation
from tenure.crm.insights.models import CustomerSnapshot
from tenure.crm.loyalty.models import Entry, TierMove
from tenure.crm.messaging.models import Message, Notification
from tenure.crm.sales.models import Order, OrderLine, Return, ReturnLine

# Secrets that open something (a survey link), not facts about the person.
LEFT_OUT = {"token", "key"}

# The relations to a customer exported under their own names (the rest by model name).
_KNOWN = {ConsentChange, CustomerMerge, CustomerAlias, Order, Interaction, Activity, Complaint,
          Invitation, Answer, Message, CustomerSnapshot, Customer, CustomerStats,
          CustomerAssignment}


def tables(customer: Customer) -> dict[str, list[dict]]:
    """Return every kind of record about ``customer``: name -> rows of field values."""
    users = dict(get_user_model().objects.values_list("pk", "username"))
    orders = Order.objects.filter(customer=customer)
    complaints = Complaint.objects.filter(customer=customer)
    found = {
        "profile": [{**_row(customer, users),
                     "tags": ", ".join(customer.tags.values_list("name", flat=True))}],
        "consent_history": ConsentChange.objects.filter(customer=customer),
        "orders": orders,
        "order_lines": OrderLine.objects.filter(order__in=orders).select_related("product"),
        "returns": Return.objects.filter(order__in=orders),
        "return_lines": ReturnLine.objects.filter(ret__order__in=orders),
        "interactions": Interaction.objects.filter(customer=customer),
        "activities": Activity.objects.filter(customer=customer),
        "complaints": complaints,
        "complaint_history": ComplaintEvent.objects.filter(complaint__in=complaints),
        "survey_invitations": Invitation.objects.filter(customer=customer),
        "survey_answers": Answer.objects.filter(customer=customer),
        "messages": Message.objects.filter(customer=customer),
        "notifications": Notification.objects.filter(url__in=_urls(customer)),
        "merges": CustomerMerge.objects.filter(Q(kept=customer) | Q(removed_id=customer.pk)),
        "aliases": CustomerAlias.objects.filter(customer=customer),
        "scores": CustomerSnapshot.objects.filter(customer=customer),
        "purchase_figures": CustomerStats.objects.filter(customer=customer),
        "managers": CustomerAssignment.objects.filter(customer=customer),
        # Their points and tiers, kept on their loyalty account.
        "loyalty_entries": Entry.objects.filter(account__customer=customer),
        "loyalty_tier_moves": TierMove.objects.filter(account__customer=customer),
    }
    for rel in Customer._meta.related_objects:
        if rel.related_model not in _KNOWN and not rel.many_to_many:
            found[rel.related_model._meta.label_lower.replace(".", "_")] = (
                rel.related_model._base_manager.filter(**{rel.field.name: customer}))
    return {name: rows if isinstance(rows, list) else _rows(rows, users)
            for name, rows in found.items()}


def _urls(customer: Customer) -> list[str]:
    """Return the pages about the customer that staff notifications link to."""
    urls = [customer.get_absolute_url()]
    urls += [reverse("engagement:activity", args=[pk])
             for pk in Activity.objects.filter(customer=customer).values_list("pk", flat=True)]
    urls += [reverse("engagement:complaint", args=[pk])
             for pk in Complaint.objects.filter(customer=customer).values_list("pk", flat=True)]
    return urls


def _rows(queryset, users: dict) -> list[dict]:
    rows = [_row(obj, users) for obj in queryset.order_by("pk")]
    if queryset.model is OrderLine:
        sku = dict(queryset.values_list("pk", "product__sku"))
        for row in rows:
            row["product_sku"] = sku[row["id"]]
    return rows


def _row(obj, users: dict) -> dict:
    """Return every concrete field of ``obj`` (users by username, other relations by id)."""
    row = {}
    for field in obj._meta.concrete_fields:
        if field.name in LEFT_OUT:
            continue
        value = getattr(obj, field.attname)
        if field.is_relation and field.related_model is get_user_model():
            row[field.name] = users.get(value, value)
        else:
            row[field.attname] = value
    return row


def archive(customer: Customer) -> bytes:
    """Return the ZIP: ``<kind>.json`` and ``<kind>.csv`` per kind, and ``manifest.json``."""
    found = tables(customer)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("manifest.json", _json({
            "customer": customer.pk, "exported_at": timezone.now(),
            "files": {name: len(rows) for name, rows in found.items()},
        }))
        for name, rows in found.items():
            zipped.writestr(f"{name}.json", _json(rows))
            zipped.writestr(f"{name}.csv", _csv(rows))
    return buffer.getvalue()


def filename(customer: Customer) -> str:
    return f"customer-{customer.pk}-{timezone.localdate().isoformat()}.zip"


def _json(value) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)


def _csv(rows: list[dict]) -> str:
    """Return the rows as CSV with a BOM (spreadsheet programs then read UTF-8)."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell(row.get(column)) for column in columns])
    return out.getvalue()


def cell(value) -> str:
    """Return a value as CSV text that no spreadsheet program runs as a formula."""
    if value is None:
        return ""
    if isinstance(value, dict | list):
        value = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
    elif isinstance(value, datetime | date):
        value = value.isoformat()
    elif isinstance(value, Decimal):
        value = format(value, "f")
    return neutralise(str(value))
