"""What every loader shares: the run's context, the counts, and product and user look-ups.

Customers are looked up by ``matching``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from django.utils.translation import gettext as _

from tenure.crm.accounts.models import User
from tenure.crm.catalog.models import Product
from tenure.crm.lib import bulk

from ..rows import Rows


@dataclass(frozen=True)
class ConsentEvidence:
    """How the customers of a file gave the consent it grants, and the words they agreed to."""

    source: str
    wording: str


@dataclass
class Context:
    """Where the rows come from and who imports them."""

    source: str
    file_name: str
    currency: str
    user_id: int | None = None
    advance: Callable[[int], None] | None = None
    consent: ConsentEvidence | None = None


@dataclass
class Counts:
    """Rows inserted, updated and unchanged (rejected rows are counted by ``Rows``)."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    new_customers: int = 0
    matched: dict = field(default_factory=dict)  # {matching.Via: customers found that way}


@dataclass
class Changes:
    """Records split by what an import does to them, keyed like the file."""

    new: list = field(default_factory=list)
    changed: list = field(default_factory=list)
    same: list = field(default_factory=list)


def split_changes(records: dict, existing: dict) -> Changes:
    """Split ``records`` {key: values} against ``existing`` {key: (pk, values)}."""
    changes = Changes()
    for key, values in records.items():
        if key not in existing:
            changes.new.append(key)
        elif existing[key][1] != values:
            changes.changed.append(key)
        else:
            changes.same.append(key)
    return changes


def upsert_by_external_id(model, fields: list[str], records: dict, ctx) -> tuple[dict, Changes]:
    """Insert the new and update the changed ``records`` {external id: values} of ``model``
    in the context's source; return what existed before and how the records compare."""
    existing = {
        ext: (pk, tuple(values)) for ext, pk, *values in
        model.objects.filter(source=ctx.source).exclude(external_id="")
        .values_list("external_id", "pk", *fields)
    }
    changes = split_changes(records, existing)
    bulk.insert(model, ["source", "external_id", *fields],
                [(ctx.source, ext, *records[ext]) for ext in changes.new], ctx.advance)
    bulk.update(model, fields,
                [(*records[ext], existing[ext][0]) for ext in changes.changed], ctx.advance)
    return existing, changes


def reject_repeats(rows: Rows, keys: np.ndarray, field_name: str) -> None:
    """Reject the rows whose key already appeared on an earlier good row."""
    first: dict[str, int] = {}
    for index in rows.good():
        key = keys[index]
        if key in first:
            rows.reject(index, field_name, _("repeats row %(row)d") % {
                "row": rows.table.row_numbers[first[key]].as_py()})
        else:
            first[key] = index


def product_ids() -> dict[str, int]:
    """Return {SKU: product id} for the whole catalogue."""
    return dict(Product.objects.values_list("sku", "id"))


def user_finder() -> Callable[[str], int]:
    """Return a parser of a username or email (any case) into a user id."""
    users = {}
    for pk, username, email in User.objects.values_list("pk", "username", "email"):
        users[username.casefold()] = pk
        if email:
            users.setdefault(email.casefold(), pk)

    def find(text: str) -> int:
        try:
            return users[text.casefold()]
        except KeyError:
            raise ValueError(_("unknown user")) from None

    return find
