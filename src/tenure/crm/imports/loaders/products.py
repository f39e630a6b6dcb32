"""Load products: upsert by SKU, categories created from their path ("Food > Tea")."""

from __future__ import annotations

import re

from django.utils import timezone

from tenure.crm.catalog.models import Category, Product
from tenure.crm.lib import bulk

from ..parsing import parse_bool, parse_currency, parse_money, parse_text
from ..rows import Rows
from .base import Context, Counts, reject_repeats, split_changes

# Model field -> (file field, parser); only mapped ones are written.
FIELDS = {
    "name": ("name", parse_text(200)),
    "category": ("category", parse_text(500)),
    "price": ("price", parse_money),
    "cost": ("cost", parse_money),
    "currency": ("currency", parse_currency),
    "is_active": ("active", parse_bool),
}
_PATH_SEPARATOR = re.compile(r"\s*[>/]\s*")


def load(rows: Rows, ctx: Context) -> Counts:
    """Insert new products, update changed ones."""
    skus = rows.parse("sku", parse_text(64), required=True)
    columns = {name: rows.parse(src, parser) for name, (src, parser) in FIELDS.items()
               if rows.has(src)}
    reject_repeats(rows, skus, "sku")
    if "category" in columns:
        columns["category"] = _category_ids(columns["category"])
    names = list(columns)
    records = {skus[i]: _record(columns, names, i, skus[i], ctx) for i in rows.good()}
    existing = {
        sku: (pk, tuple(values))
        for sku, pk, *values in Product.objects.values_list("sku", "pk", *names)
    }
    changes = split_changes(records, existing)
    new_names = names if "name" in names else [*names, "name"]
    bulk.insert(
        Product, ["sku", *new_names],
        [(sku, *records[sku], *([] if "name" in names else [sku])) for sku in changes.new],
        ctx.advance,
    )
    bulk.update(Product, [*names, "updated_at"], [
        (*records[sku], timezone.now(), existing[sku][0]) for sku in changes.changed
    ], ctx.advance)
    return Counts(len(changes.new), len(changes.changed), len(changes.same))


def _record(columns: dict, names: list[str], index: int, sku: str, ctx: Context) -> tuple:
    defaults = {"name": sku, "currency": ctx.currency, "is_active": True}
    values = (columns[name][index] for name in names)
    return tuple(defaults.get(n) if v is None else v for n, v in zip(names, values, strict=True))


def _category_ids(paths):
    """Return the category id per row (None when empty), creating the tree as needed."""
    ids = {}
    for path in {p for p in paths if p}:
        parts = [part for part in _PATH_SEPARATOR.split(path) if part]
        ids[path] = Category.from_path(parts).pk if parts else None
    return [ids.get(p) for p in paths]
