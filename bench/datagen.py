"""Seeded CSV files for the import benchmark: products and order lines."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

FIRST_DAY = date(2023, 1, 1)
DAYS = 730


@dataclass(frozen=True)
class OrderLinesFile:
    path: Path
    products_path: Path
    lines: int
    orders: int
    customers: int
    products: int


def write_products(path: Path, products: int, rng: random.Random) -> list[int]:
    """Write ``products`` products (sku, name, price) and return their prices in cents."""
    prices = [rng.randint(99, 49_999) for _ in range(products)]
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["sku", "name", "price"])
        for i, cents in enumerate(prices, 1):
            out.writerow([f"P{i:05d}", f"Bench product {i}", f"{cents / 100:.2f}"])
    return prices


def _order_customers(orders: int, customers: int, rng: random.Random) -> list[int]:
    # Every customer buys at least once; the remaining orders go to a skewed few, as in
    # a real shop where a minority of repeat buyers places most orders.
    first = list(range(1, customers + 1))
    weights = [rng.paretovariate(1.5) for _ in range(customers)]
    repeat = rng.choices(first, weights=weights, k=max(orders - customers, 0))
    chosen = first[:orders] + repeat
    rng.shuffle(chosen)
    return chosen


def write_order_lines(
    directory: Path, *, lines: int, orders: int, customers: int, products: int, seed: int
) -> OrderLinesFile:
    """Write the products file and an order-lines file of exactly ``lines`` rows.

    Columns: order_id, customer, date, product, quantity, price; the lines of one order
    are consecutive and orders come in date order, like a shop's export.
    """
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    products_path = directory / "products.csv"
    prices = write_products(products_path, products, rng)

    # Split ``lines`` into ``orders`` orders of at least one line each.
    per_order = [1] * orders
    for i in rng.choices(range(orders), k=lines - orders):
        per_order[i] += 1
    buyers = _order_customers(orders, customers, rng)
    days = sorted(rng.randrange(DAYS) for _ in range(orders))

    path = directory / "order_lines.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["order_id", "customer", "date", "product", "quantity", "price"])
        for n in range(orders):
            order_id = f"B{n + 1:07d}"
            customer = f"C{buyers[n]:06d}"
            day = (FIRST_DAY + timedelta(days=days[n])).isoformat()
            for product in rng.sample(range(products), min(per_order[n], products)):
                quantity = 1 if rng.random() < 0.8 else rng.randint(2, 5)
                out.writerow([order_id, customer, day, f"P{product + 1:05d}", quantity,
                              f"{prices[product] / 100:.2f}"])
    return OrderLinesFile(path, products_path, lines, orders, len(set(buyers)), products)
