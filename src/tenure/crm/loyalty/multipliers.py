"""Earning multipliers by product and by category, and how they combine with the tier's.

An order of paid total ``N`` (``Order.total``: the money paid, after every discount) whose
lines ``i`` have amounts ``a_i = quantity × price − discount`` and multipliers ``m_i``
earns, the tier's multiplier being ``t`` (1 without a tier)::

    P = max(0, floor(N × points_per_unit × t × W / A)),   W = Σ a_i × m_i,   A = Σ a_i

- ``m_i`` is the line's product's own multiplier; else that of the nearest category with
  one, from the product's category up the tree; else 1. A product's beats a category's.
- The paid total is split across the lines in proportion to their amounts, so a discount
  on the whole order (or points used at checkout) lowers every line's share alike; each
  share earns at its line's multiplier; the tier multiplies the sum on top. The floor is
  taken once per order.
- An order without lines, or whose lines add up to zero or less, earns at ``W / A = 1``:
  ``P = floor(N × points_per_unit × t)``, as before any multiplier was set. So does every
  order while no multiplier is set.

Exact in integers on both databases and here: with ``N`` in cents, ``points_per_unit`` in
ten-thousandths, ``t`` and ``m_i`` in hundredths and ``a_i`` in hundred-thousandths
(quantity in thousandths × price in cents)::

    P = floor(N_c × rate × t_h × W_h / (A × 10^10)),   W_h = Σ a_i × m_i,h

(PostgreSQL: ``div`` of exact numerics; SQLite: this module's ``points``, registered as
a function, because the product outgrows 64-bit integers).
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from django.db import connection

from tenure.crm.catalog.models import Category, Product
from tenure.crm.sales.models import OrderLine

from .models import Multiplier

# W / A = 1: the weighting of an order without lines, or while no multiplier is set.
NEUTRAL = (100, 1)
LINES = "loyalty_line_multiplier"


def hundredths(value: Decimal) -> int:
    return int((value * 100).to_integral_value(ROUND_FLOOR))


def by_product() -> dict[int, int]:
    """Return each product's multiplier in hundredths, for the products whose multiplier
    is not 1 (their own, else the nearest category's up the tree)."""
    rules = list(Multiplier.objects.values_list("product_id", "category_id", "multiplier"))
    own = {p: hundredths(m) for p, c, m in rules if p is not None}
    of_category = {c: hundredths(m) for p, c, m in rules if c is not None}
    found = {}
    if of_category:
        parents = dict(Category.objects.values_list("pk", "parent_id"))
        nearest = {pk: _nearest(pk, parents, of_category) for pk in parents}
        covered = [pk for pk, m in nearest.items() if m is not None]
        for product, category in (Product.objects.filter(category__in=covered)
                                  .values_list("pk", "category_id").iterator()):
            found[product] = nearest[category]
    found.update(own)
    return {product: m for product, m in found.items() if m != 100}


def _nearest(pk: int, parents: dict, of_category: dict) -> int | None:
    seen = set()
    while pk is not None and pk not in seen:
        if pk in of_category:
            return of_category[pk]
        seen.add(pk)
        pk = parents.get(pk)
    return None


def weighting(order_id: int, rules: dict[int, int] | None = None) -> tuple[int, int]:
    """Return ``(W_h, A)`` of the order's lines (amounts in hundred-thousandths), or
    ``NEUTRAL`` when no multiplier applies or the lines add up to zero or less."""
    rules = by_product() if rules is None else rules
    if not rules:
        return NEUTRAL
    w = a = 0
    lines = OrderLine.objects.filter(order_id=order_id).values_list(
        "product_id", "quantity", "price", "discount")
    for product, quantity, price, discount in lines:
        amount = int((quantity * price - discount) * 100_000)
        a += amount
        w += amount * rules.get(product, 100)
    return (w, a) if a > 0 else NEUTRAL


def points(total_cents: int, rate: int, tier_h: int, w: int, a: int) -> int:
    """Return ``max(0, floor(N_c × rate × t_h × W_h / (A × 10^10)))`` (the module's
    formula in integers); ``a`` of zero or less (or None) weighs as ``NEUTRAL``."""
    if a is None or a <= 0:
        w, a = NEUTRAL
    return max(0, (total_cents * rate * tier_h * w) // (a * 10_000_000_000))


# --- the bulk path -----------------------------------------------------------------------

def prepare() -> bool:
    """Make the temporary table ``loyalty_line_multiplier`` (``product_id``, ``m``: in
    hundredths, the products whose multiplier is not 1) for this connection's batches,
    and on SQLite the function ``loyalty_points``; return False, making nothing, while
    no multiplier applies."""
    rules = by_product()
    finish()
    if not rules:
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE {LINES} (product_id bigint PRIMARY KEY,"
                       f" m bigint NOT NULL)")
        cursor.executemany(f"INSERT INTO {LINES} (product_id, m) VALUES (%s, %s)",
                           list(rules.items()))
    if connection.vendor == "sqlite":
        connection.connection.create_function("loyalty_points", 5, points,
                                              deterministic=True)
    return True


def finish() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {LINES}")


def lines_join(order: str) -> str:
    """Return SQL joining ``lw`` (``w``, ``a``: ``W_h`` and ``A`` of each order's lines,
    none for an order without lines) to the orders ``order`` (their id column); its
    parameters are the batch's first and last order id."""
    if connection.vendor == "postgresql":
        amount = "l.quantity * l.price - l.discount"
    else:
        amount = ("CAST(round(l.quantity * 1000) AS INTEGER)"
                  " * CAST(round(l.price * 100) AS INTEGER)"
                  " - CAST(round(l.discount * 100) AS INTEGER) * 1000")
    return (f" LEFT JOIN (SELECT l.order_id, sum(({amount}) * coalesce(m.m, 100)) AS w,"
            f" sum({amount}) AS a FROM {OrderLine._meta.db_table} l LEFT JOIN {LINES} m"
            f" ON m.product_id = l.product_id WHERE l.order_id BETWEEN %s AND %s"
            f" GROUP BY l.order_id) lw ON lw.order_id = {order}")


def points_sql(total: str, rate: int, tier_h: str) -> str:
    """Return SQL for the module's formula over ``lw``: ``total`` the order's total,
    ``rate`` points_per_unit in ten-thousandths, ``tier_h`` the tier's in hundredths."""
    if connection.vendor == "postgresql":
        return (f"div(round({total} * 100) * {int(rate)} * {tier_h} * CASE WHEN lw.a > 0"
                f" THEN lw.w ELSE 100 END, CASE WHEN lw.a > 0 THEN lw.a ELSE 1 END"
                f" * 10000000000)::bigint")
    return (f"loyalty_points(CAST(round({total} * 100) AS INTEGER), {int(rate)}, {tier_h},"
            f" lw.w, lw.a)")
