"""Which file column holds which field: header synonyms in English, Russian and Ukrainian.

The synonym table itself lives in ``tenure.analytics.columns`` (pure data, shared with the
analytics readers), joined with ``columns`` for the kinds only the CRM imports. Headers
are compared after ``normalize_header``: case, spaces and punctuation do not matter,
and "ё" reads as "е". "№" reads as "номер", as 1C means it ("№ документа" is
"Номер документа"). A field's own name always matches it.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tenure.analytics.columns import SYNONYMS as SHARED_SYNONYMS
from tenure.analytics.columns import lookup, normalize_header

from .columns import SYNONYMS as CRM_SYNONYMS
from .models import ImportKind

__all__ = ["SYNONYMS", "REQUIRED", "MappingError", "normalize_header", "fields_for",
           "auto_mapping", "parse_overrides", "resolve_mapping", "missing_required"]

SYNONYMS = {**SHARED_SYNONYMS, **CRM_SYNONYMS}
REQUIRED: dict[str, tuple[str, ...]] = {
    ImportKind.CUSTOMERS: ("external_id",),
    ImportKind.PRODUCTS: ("sku",),
    ImportKind.ORDERS: ("customer", "date", "amount"),
    ImportKind.ORDER_LINES: ("order_id", "customer", "date", "product", "quantity", "price"),
    ImportKind.INTERACTIONS: ("external_id", "customer", "kind", "occurred_at"),
    ImportKind.COMPLAINTS: ("external_id", "customer", "category", "opened_at"),
}


#: What each canonical field is called on the upload page (``--map`` uses the field names).
FIELD_LABELS = {
    "external_id": gettext_lazy("External id"),
    "name": gettext_lazy("Name"),
    "first_name": gettext_lazy("First name"),
    "last_name": gettext_lazy("Last name"),
    "email": gettext_lazy("Email"),
    "phone": gettext_lazy("Phone"),
    "birth_date": gettext_lazy("Birth date"),
    "gender": gettext_lazy("Gender"),
    "city": gettext_lazy("City"),
    "acquisition_channel": gettext_lazy("Acquisition channel"),
    "acquired_on": gettext_lazy("Acquired on"),
    "referred_by": gettext_lazy("Referred by"),
    "manager": gettext_lazy("Manager"),
    "tags": gettext_lazy("Tags"),
    "notes": gettext_lazy("Notes"),
    "consent_email": gettext_lazy("Email consent"),
    "consent_sms": gettext_lazy("SMS consent"),
    "consent_messenger": gettext_lazy("Messenger consent"),
    "consent_phone": gettext_lazy("Phone consent"),
    "sku": gettext_lazy("SKU"),
    "category": gettext_lazy("Category"),
    "price": gettext_lazy("Price"),
    "cost": gettext_lazy("Cost"),
    "active": gettext_lazy("Active"),
    "customer": gettext_lazy("Customer"),
    "date": gettext_lazy("Date"),
    "amount": gettext_lazy("Amount"),
    "currency": gettext_lazy("Currency"),
    "discount": gettext_lazy("Discount"),
    "status": gettext_lazy("Status"),
    "channel": gettext_lazy("Channel"),
    "store": gettext_lazy("Store"),
    "coupon": gettext_lazy("Coupon"),
    "order_id": gettext_lazy("Order number"),
    "line_no": gettext_lazy("Line number"),
    "product": gettext_lazy("Product"),
    "quantity": gettext_lazy("Quantity"),
    "return_id": gettext_lazy("Return number"),
    "type": gettext_lazy("Type"),
    "kind": gettext_lazy("Kind"),
    "direction": gettext_lazy("Direction"),
    "occurred_at": gettext_lazy("When"),
    "summary": gettext_lazy("Summary"),
    "outcome": gettext_lazy("Outcome"),
    "severity": gettext_lazy("Severity"),
    "opened_at": gettext_lazy("Opened"),
    "description": gettext_lazy("Description"),
    "resolution": gettext_lazy("Resolution"),
    "resolved_at": gettext_lazy("Resolved"),
}


def field_label(field: str) -> str:
    """Return the words the upload page uses for ``field``."""
    return str(FIELD_LABELS.get(field, field))


class MappingError(ValueError):
    """A column mapping names a column or a field that does not exist."""


def fields_for(kind: str) -> list[str]:
    """Return the canonical field names of ``kind``."""
    return list(SYNONYMS[kind])


def _spelled(header: str) -> str:
    """Return ``header`` with "№" written out, since ``normalize_header`` drops signs."""
    return header.replace("№", " номер ")


def _is_bare_number(header: str) -> bool:
    return header.strip() == "№"


def auto_mapping(kind: str, headers: list[str]) -> dict[str, str]:
    """Return {header: field} for the headers recognised by name (each field once).

    A bare "№" is the vaguest header, so it takes only what the others left; beside
    a document's number it is the line's number, as in 1C's tables of goods.
    """
    table = lookup(SYNONYMS[kind])
    mapping: dict[str, str] = {}
    for header in sorted(headers, key=_is_bare_number):
        field = table.get(normalize_header(_spelled(header)))
        if field in mapping.values() and _is_bare_number(header) and "line_no" in table.values():
            field = "line_no"
        if field and header not in mapping and field not in mapping.values():
            mapping[header] = field
    return {header: mapping[header] for header in headers if header in mapping}


def parse_overrides(items: list[str]) -> dict[str, str]:
    """Return {header: field} from ``--map "Header=field"`` items ("Header=" ignores it)."""
    overrides = {}
    for item in items:
        header, sep, field = item.rpartition("=")
        if not sep or not header.strip():
            raise MappingError(_("'%(item)s' is not Header=field.") % {"item": item})
        overrides[header.strip()] = field.strip()
    return overrides


def resolve_mapping(kind: str, headers: list[str], overrides: dict[str, str] | None = None):
    """Return {header: field}: the automatic mapping with ``overrides`` applied."""
    overrides = overrides or {}
    mapping = auto_mapping(kind, headers)
    known = fields_for(kind)
    for wanted, field in overrides.items():
        header = _find_header(wanted, headers)
        if field and field not in known:
            raise MappingError(
                _("'%(field)s' is not a field of %(kind)s imports; the fields are: %(fields)s.")
                % {"field": field, "kind": kind, "fields": ", ".join(known)}
            )
        mapping = {h: f for h, f in mapping.items() if h != header and f != field}
        if field:
            mapping[header] = field
    return {h: mapping[h] for h in headers if h in mapping}


def _find_header(wanted: str, headers: list[str]) -> str:
    if wanted in headers:
        return wanted
    for header in headers:
        if normalize_header(_spelled(header)) == normalize_header(_spelled(wanted)):
            return header
    raise MappingError(
        _("the file has no column '%(column)s'; its columns are: %(columns)s.")
        % {"column": wanted, "columns": ", ".join(headers)}
    )


def missing_required(kind: str, mapping: dict[str, str]) -> list[str]:
    """Return the required fields of ``kind`` that no column maps to."""
    mapped = set(mapping.values())
    return [field for field in REQUIRED[kind] if field not in mapped]
