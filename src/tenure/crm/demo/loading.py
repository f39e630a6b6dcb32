"""Put a simulated ``Shop`` into the tables: catalog, customers, orders, returns."""

from __future__ import annotations

import numpy as np
from django.utils import translation

from tenure.crm.catalog.models import Category, Product
from tenure.crm.customers import search_index
from tenure.crm.customers.models import (
    STANDARD_WORDING,
    ConsentChange,
    Customer,
    CustomerAssignment,
    Purpose,
    Tag,
    search_columns,
)
from tenure.crm.lib.bulk import reset_sequences
from tenure.crm.lib.money import default_currency
from tenure.crm.sales.models import Order, OrderLine, Return, ReturnLine

from . import baskets, consents, portfolio
from .people import LANGUAGES
from .world import Shop
from .writing import (
    Clock,
    constant,
    ids,
    insert,
    money,
    next_id,
    values,
)

SOURCE = "demo"
MODELS = [Customer, ConsentChange, Customer.tags.through, Order, OrderLine, Return, ReturnLine]


def customer_number(index: int) -> str:
    """Return the external id the demo gives its ``index``-th customer, e.g. "C-000001"."""
    return f"C-{index + 1:06d}"


def row_count(shop: Shop) -> int:
    """Return how many rows ``load_shop`` writes, for the progress bar."""
    return (len(shop.customers.joined) + len(shop.consents.customer) + len(shop.customers.tag)
            + len(shop.orders.at) + len(shop.lines.order) + 2 * len(shop.returns.order)
            + len(shop.returns.line_return) + shop.service.row_count)


def load_shop(shop: Shop, managers: list, progress=None, replay=None) -> dict:
    """Write ``shop`` but its service; ``managers`` are the users customers are assigned to.

    ``replay(shop, clock, first, progress)``, when given, runs once the customers are
    written and before the other orders and returns: it writes the orders and returns it
    replays (`load_orders` and `load_returns` with their rows) and returns their indexes,
    which are then left out. Return the first id of each model's new rows.
    """
    clock = Clock(shop.start, (shop.end - shop.start).days)
    product = load_catalog(shop)
    first = {model: next_id(model) for model in MODELS}
    referrer = shop.customers.referrer
    if replay is not None and shop.programme is not None:
        # Those who join once the programme runs give their friend's code in the replay.
        referrer = np.where(shop.customers.joined >= shop.programme.start, -1, referrer)
    load_customers(shop, clock, first, managers, progress, referrer)
    orders, returns = np.arange(len(shop.orders.at)), np.arange(len(shop.returns.order))
    if replay is not None:
        done_orders, done_returns = replay(shop, clock, first, progress)
        orders = np.setdiff1d(orders, done_orders)
        returns = np.setdiff1d(returns, done_returns)
    load_orders(shop, clock, first, progress, orders)
    load_order_lines(shop, first, product, progress)
    load_returns(shop, clock, first, progress, returns)
    load_return_lines(shop, first, product, progress)
    reset_sequences(*MODELS)
    return first


def load_catalog(shop: Shop) -> np.ndarray:
    """Create the categories and products; return the product ids by product index."""
    goods, product_ids = shop.assortment, []
    for i, sku in enumerate(goods.sku):
        product, _ = Product.objects.update_or_create(sku=sku, defaults={
            "name": goods.name[i], "category": Category.from_path(list(goods.path[i])),
            "price": f"{goods.price[i] / 100:.2f}", "cost": f"{goods.cost[i] / 100:.2f}",
            "currency": default_currency(), "is_active": True,
        })
        product_ids.append(product.pk)
    return np.array(product_ids, dtype=np.int64)


def load_customers(shop: Shop, clock: Clock, first: dict, managers: list, progress,
                   referrer: np.ndarray) -> None:
    """Write the customers (``referrer``: whom each names as their referrer, -1 for
    nobody), their consent history and their tags."""
    people, profiles = shop.customers, shop.customers.profiles
    manager_ids = np.array([m.pk for m in managers] + [-1])[people.manager]
    joined, current = clock.stamps(people.joined), shop.consents.current
    # Indexed for search at the end, in one statement (`search_index.inserting`).
    with search_index.inserting():
        insert(Customer, {
            "id": ids(first[Customer], np.arange(len(people.joined))),
            "source": constant(SOURCE),
            "external_id": lambda part: [customer_number(i)
                                         for i in range(part.start, part.stop)],
            "name": values(profiles.name), "email": values(profiles.email),
            "phone": values(profiles.phone), "birth_date": values(profiles.birth_date),
            "gender": values(profiles.gender), "city": values(profiles.city),
            "acquisition_channel": values(
                np.array(portfolio.ACQUISITION_CHANNELS)[people.acquisition]),
            "acquired_on": clock.dates(people.joined),
            "referred_by": ids(first[Customer], referrer),
            "manager": lambda part: [None if m < 0 else m for m in manager_ids[part].tolist()],
            "notes": values(people.notes),
            "language": values(np.array(LANGUAGES)[profiles.locale]),
            **{f"consent_{name}": values(current[:, c])
               for c, name in enumerate(consents.CHANNELS)},
            "created_at": joined, "updated_at": joined,
            "search_text": _searched(shop, 0), "phone_digits": _searched(shop, 1),
        }, len(people.joined), progress)
    # Each has had their manager since they joined.
    assigned = np.flatnonzero(manager_ids >= 0)
    insert(CustomerAssignment, {
        "customer": ids(first[Customer], assigned),
        "manager": values(manager_ids[assigned]),
        "started_at": clock.stamps(people.joined[assigned]),
    }, len(assigned))
    load_consents(shop, clock, first, progress)
    load_tags(shop, first, progress)


def _searched(shop: Shop, column: int):
    """Return the column of ``search_columns`` (0 the text, 1 the digits), as save() fills it."""
    people, profiles = shop.customers, shop.customers.profiles

    def make(part: slice) -> list[str]:
        fields = (profiles.name, profiles.email, profiles.city, people.notes, profiles.phone)
        return [search_columns(*row)[column]
                for row in zip(*(values(f)(part) for f in fields), strict=True)]
    return make


def load_consents(shop: Shop, clock: Clock, first: dict, progress) -> None:
    """Write every consent change with its time and source."""
    rows = shop.consents
    insert(ConsentChange, {
        "id": ids(first[ConsentChange], np.arange(len(rows.customer))),
        "customer": ids(first[Customer], rows.customer),
        "channel": values(np.array(consents.CHANNELS)[rows.channel]),
        "granted": values(rows.granted), "changed_at": clock.stamps(rows.at),
        "source": values(np.array(consents.SOURCES)[rows.source]),
        "purpose": constant(Purpose.MARKETING), "file_name": constant(""),
        "wording": values(np.where(
            rows.granted, _wordings()[shop.customers.profiles.locale[rows.customer], rows.channel],
            "")),
        "changed_by": constant(None),
    }, len(rows.customer), progress)


def _wordings() -> np.ndarray:
    """Return the standard wording, languages x channels, in each customer language."""
    table = np.empty((len(LANGUAGES), len(consents.CHANNELS)), dtype=object)
    for row, language in enumerate(LANGUAGES):
        with translation.override(language):
            table[row] = [str(STANDARD_WORDING[name]) for name in consents.CHANNELS]
    return table


def load_tags(shop: Shop, first: dict, progress) -> None:
    """Write the customers' tags."""
    tag_ids = np.array([Tag.objects.get_or_create(name=name)[0].pk for name in portfolio.TAGS])
    through = Customer.tags.through
    insert(through, {
        "id": ids(first[through], np.arange(len(shop.customers.tag))),
        "customer": ids(first[Customer], shop.customers.tag_customer),
        "tag": values(tag_ids[shop.customers.tag]),
    }, len(shop.customers.tag), progress)


def load_orders(shop: Shop, clock: Clock, first: dict, progress, rows: np.ndarray,
                status: np.ndarray | None = None) -> None:
    """Write the orders ``rows`` (indexes), with ``status`` (indexes into
    ``baskets.STATUSES``, one per row) instead of their own when given."""
    orders, currency = shop.orders, default_currency()
    at = clock.stamps(orders.at[rows])
    coupons = (shop.campaigns.order_coupons(len(orders.at)) if shop.campaigns is not None
               else np.full(len(orders.at), "", dtype=object))
    status = orders.status[rows] if status is None else status
    insert(Order, {
        "id": ids(first[Order], rows), "source": constant(SOURCE),
        "external_id": lambda part: [baskets.order_number(i) for i in rows[part].tolist()],
        "customer": ids(first[Customer], orders.customer[rows]), "ordered_at": at,
        "channel": values(np.array(baskets.CHANNELS)[orders.channel[rows]]),
        "store": values(np.array(baskets.STORES)[orders.store[rows]]),
        "status": values(np.array(baskets.STATUSES)[status]),
        "currency": constant(currency), "total": money(orders.total[rows]),
        "discount": money(orders.discount[rows]), "cost": money(orders.cost[rows]),
        "coupon_code": values(coupons[rows]),
        "created_at": at, "updated_at": at,
    }, len(rows), progress)


def load_order_lines(shop: Shop, first: dict, product: np.ndarray, progress) -> None:
    """Write every order's lines."""
    lines = shop.lines
    insert(OrderLine, {
        "id": ids(first[OrderLine], np.arange(len(lines.order))),
        "order": ids(first[Order], lines.order), "line_no": values(lines.line_no),
        "product": values(product[lines.product]), "quantity": values(lines.quantity),
        "price": money(lines.price), "discount": money(lines.discount), "cost": money(lines.cost),
    }, len(lines.order), progress)


def load_returns(shop: Shop, clock: Clock, first: dict, progress, rows: np.ndarray) -> None:
    """Write the returns ``rows`` (indexes)."""
    returns = shop.returns
    at = clock.stamps(returns.at[rows])
    insert(Return, {
        "id": ids(first[Return], rows), "source": constant(SOURCE),
        "external_id": lambda part: [f"RMA-{i + 1:06d}" for i in rows[part].tolist()],
        "order": ids(first[Order], returns.order[rows]), "returned_at": at,
        "amount": money(returns.amount[rows]), "currency": constant(default_currency()),
        "reason": values(np.array(baskets.RETURN_REASONS)[returns.reason[rows]]),
        "created_at": at,
    }, len(rows), progress)
    if progress is not None:
        progress.update(len(rows))


def load_return_lines(shop: Shop, first: dict, product: np.ndarray, progress) -> None:
    """Write every return's lines."""
    returns = shop.returns
    insert(ReturnLine, {
        "id": ids(first[ReturnLine], np.arange(len(returns.line_return))),
        "ret": ids(first[Return], returns.line_return),
        "product": values(product[returns.line_product]),
        "quantity": values(returns.line_quantity), "amount": money(returns.line_amount),
    }, len(returns.line_return), progress)
