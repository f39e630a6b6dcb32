"""Server time of the customer pages on a big database, measured in-process.

Run by ``bench/run.py`` in its own process (Django is configured once per process):
``python bench/pages.py --json OUT`` with ``TENURE_DATABASE_URL`` pointing at an empty
database. It migrates, bulk-loads customers, orders, lines and returns with plain SQL
(COPY on PostgreSQL), then times pages through Django's test ``Client``; the first open of
a customer page is timed in fresh processes (``--first-open``), each started as a
gunicorn worker starts. ``--managers`` times the Managers page of a demo shop already
built in the database (``tenure demo-data``). ``--search-only`` times the two customer
searches alone, on a database a first run has loaded and later runs reuse (it migrates
first): ``TENURE_DATABASE_URL=... python bench/pages.py --search-only --json OUT``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import quote

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenure.crm.settings")
os.environ.setdefault("TENURE_ALLOWED_HOSTS", "testserver")
os.environ["TENURE_DEBUG"] = "0"  # DEBUG would keep every query in memory

START = datetime(2023, 1, 1, tzinfo=UTC)
REVENUE_SORTS = ["-revenue", "revenue", "-orders", "-last_purchase"]
SURNAMES = ["Kovalenko", "Shevchenko", "Bondarenko", "Tkachenko", "Kravchenko", "Oliynyk",
            "Melnyk", "Smith", "Ivanova", "Petrov", "Moroz", "Lysenko", "Rudenko", "Savchenko"]
FIRST = ["Olena", "Ivan", "Maria", "Taras", "Anna", "Petro", "Iryna", "John", "Oksana", "Dmytro"]
CITIES = ["Kyiv", "Lviv", "Odesa", "Kharkiv", "Dnipro", "Zaporizhzhia", "Vinnytsia", "Poltava"]
# Every other customer is written in Cyrillic, as many shops' customers are.
SURNAMES_CYRILLIC = ["Коваленко", "Шевченко", "Бондаренко", "Ткаченко", "Кравченко", "Олійник",
                     "Мельник", "Євсеєв", "Іванова", "Петров", "Мороз", "Лисенко", "Руденко",
                     "Савченко"]
FIRST_CYRILLIC = ["Олена", "Іван", "Марія", "Тарас", "Анна", "Петро", "Ірина", "Юрій", "Оксана",
                  "Дмитро"]
CITIES_CYRILLIC = ["Київ", "Львів", "Одеса", "Харків", "Дніпро", "Запоріжжя", "Вінниця",
                   "Полтава"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--first-open", metavar="URL",
                        help="time the first request of a fresh process, print its ms")
    parser.add_argument("--user", default="bench-admin", help="with --first-open")
    parser.add_argument("--expect", default="", help="with --first-open")
    parser.add_argument("--managers", action="store_true",
                        help="time the Managers page of the demo shop in the database")
    parser.add_argument("--search-only", action="store_true",
                        help="time only the searches; load the data only if the database "
                             "has none yet (a quick run while working on search)")
    parser.add_argument("--json")
    args = parser.parse_args()
    if args.first_open:
        print(json.dumps(first_open(args.first_open, args.user, args.expect)))
        return 0
    if not args.json:
        parser.error("--json is required")

    import django

    if args.managers:
        django.setup()
        with open(args.json, "w") as f:
            json.dump(managers_page(args.requests), f)
        return 0

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    if args.search_only:
        from tenure.crm.accounts.models import User

        if not User.objects.filter(username="bench-admin").exists():
            load(args.customers, args.orders, random.Random(args.seed))
        timings = measure_search(args.requests, random.Random(args.seed + 1))
        with open(args.json, "w") as f:
            json.dump({"timings": timings}, f)
        print(json.dumps({name: round(t["p95"]) for name, t in timings.items()}))
        return 0
    started = time.perf_counter()
    sizes = load(args.customers, args.orders, random.Random(args.seed))
    sizes["load_seconds"] = round(time.perf_counter() - started, 1)
    print(f"  loaded {sizes} ", flush=True)
    timings = measure(args.requests, random.Random(args.seed + 1))
    with open(args.json, "w") as f:
        json.dump({"sizes": sizes, "timings": timings}, f)
    return 0


# --- loading ---------------------------------------------------------------------------

def _columns(model, given: list[str]):
    """Return the insert's columns: ``given`` plus every other field at its default."""
    from django.db import connection

    extra, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.column in given:
            continue
        # Django's default is "" for a text field without one, None for the rest.
        value = field.get_default()
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = START
        if value is None and not field.null:
            raise SystemExit(f"bench: {model.__name__}.{field.name} needs a value; "
                             "teach bench/pages.py about it")
        extra.append(field.column)
        values.append(field.get_db_prep_save(value, connection))
    return given + extra, tuple(values)


def _insert(model, given: list[str], rows) -> None:
    """Insert ``rows`` (tuples for ``given``) into ``model``'s table, fast."""
    from django.db import connection

    columns, defaults = _columns(model, given)
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    raw = connection.connection
    if connection.vendor == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row + defaults)
    else:
        marks = ", ".join("?" * len(columns))
        raw.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})",
                        (row + defaults for row in rows))


def _ids(model) -> list[int]:
    return list(model.objects.order_by("pk").values_list("pk", flat=True))


def _when(moment: datetime, vendor: str):
    # SQLite keeps Django's naive UTC text; PostgreSQL takes the aware datetime.
    return moment.strftime("%Y-%m-%d %H:%M:%S") if vendor == "sqlite" else moment


def _customer(i: int, rng: random.Random, managers: list[int]) -> tuple:
    """Return the ``i``-th customer's row, its search columns folded as save() folds them."""
    from tenure.crm.customers.models import search_columns

    cyrillic = i % 2
    first, surnames, cities = ((FIRST_CYRILLIC, SURNAMES_CYRILLIC, CITIES_CYRILLIC) if cyrillic
                               else (FIRST, SURNAMES, CITIES))
    name, email = f"{rng.choice(first)} {rng.choice(surnames)}", f"customer{i}@example.com"
    phone, city = f"+38067{i:07d}", rng.choice(cities)
    return ("bench", f"C{i:06d}", name, email, phone, city,
            # Three managers share 60 % of the customers; the rest have none.
            managers[i % 3] if i % 5 < 3 else None,
            (START + timedelta(days=rng.randrange(730))).date(),
            *search_columns(name, email, city, "", phone))


def load(customers: int, orders: int, rng: random.Random) -> dict:
    """Load the users, customers, orders (one line each) and some returns."""
    from django.contrib.auth.models import Group
    from django.db import connection, transaction

    from tenure.crm.accounts.models import Role, User
    from tenure.crm.catalog.models import Product
    from tenure.crm.customers.models import Customer
    from tenure.crm.sales.models import Order, OrderLine, Return

    vendor = connection.vendor
    admin = User.objects.create_user("bench-admin", password="x", is_staff=True)
    admin.groups.add(Group.objects.get(name=Role.ADMINISTRATOR))
    managers = []
    for i in range(1, 4):
        manager = User.objects.create_user(f"bench-manager{i}", password="x")
        manager.groups.add(Group.objects.get(name=Role.SALES_MANAGER))
        managers.append(manager.pk)
    Product.objects.bulk_create(
        Product(sku=f"P{i:05d}", name=f"Product {i}", price=Decimal(rng.randint(99, 49_999)) / 100)
        for i in range(1, 1001)
    )
    products = _ids(Product)

    with transaction.atomic():
        _insert(Customer, ["source", "external_id", "name", "email", "phone", "city",
                           "manager_id", "acquired_on", "search_text", "phone_digits"], (
            _customer(i, rng, managers) for i in range(1, customers + 1)))
    customer_ids = _ids(Customer)

    # Most customers buy a few times, a few buy very often: Pareto weights with a finite
    # mean (alpha 2) give the busiest customer about a thousand orders, not a tenth of all.
    weights = [rng.paretovariate(2.0) for _ in customer_ids]
    buyers = customer_ids + rng.choices(customer_ids, weights=weights,
                                        k=max(orders - len(customer_ids), 0))
    buyers = buyers[:orders]
    with transaction.atomic():
        _insert(Order, ["source", "external_id", "customer_id", "ordered_at", "status",
                        "channel", "total"], (
            ("bench", f"O{n:07d}", customer,
             _when(START + timedelta(seconds=rng.randrange(730 * 86400)), vendor),
             "cancelled" if rng.random() < 0.02 else "completed",
             "web" if n % 3 else "store", f"{rng.randint(199, 99_999) / 100:.2f}")
            for n, customer in enumerate(buyers, 1)))
    order_ids = _ids(Order)
    with transaction.atomic():
        _insert(OrderLine, ["order_id", "line_no", "product_id", "quantity", "price"], (
            (order, 1, rng.choice(products), "1", f"{rng.randint(199, 99_999) / 100:.2f}")
            for order in order_ids))
        returned = rng.sample(order_ids, len(order_ids) // 50)
        _insert(Return, ["source", "external_id", "order_id", "returned_at", "amount"], (
            ("bench", f"R{n:07d}", order, _when(START + timedelta(days=740), vendor), "5.00")
            for n, order in enumerate(returned, 1)))
    # Written with plain SQL, as an import would: the customers' figures, computed once.
    from tenure.crm.customers import stats

    stats.refresh_all()
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # autovacuum would do it soon after a real load
    return {"customers": len(customer_ids), "orders": len(order_ids),
            "order_lines": len(order_ids), "returns": len(returned)}


# --- measuring -------------------------------------------------------------------------

def _time(client, url: str, expect: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    body = response.content.decode()
    if response.status_code != 200 or expect not in body:
        raise SystemExit(f"bench: GET {url} gave {response.status_code}, "
                         f"without {expect!r}: the page bench would measure an error page")
    return elapsed * 1000


def _stats(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {"n": len(ordered), "median": statistics.median(ordered),
            "p95": ordered[max(0, round(0.95 * len(ordered)) - 1)], "max": ordered[-1]}


def measure(requests: int, rng: random.Random) -> dict:
    """Time random customer pages and list pages as the administrator and a manager."""
    from django.test import Client

    from tenure.crm.accounts.models import User
    from tenure.crm.customers.models import Customer

    admin = Client()
    admin.force_login(User.objects.get(username="bench-admin"))
    manager_user = User.objects.get(username="bench-manager1")
    manager = Client()
    manager.force_login(manager_user)

    everyone = list(Customer.objects.values_list("pk", "external_id"))
    own = list(Customer.objects.filter(manager=manager_user).values_list("pk", "external_id"))
    for pk, ext in rng.sample(everyone, 10):  # warm the caches and the code paths
        _time(admin, f"/customers/{pk}/", ext)

    def pages(client, pool, n):
        return [_time(client, f"/customers/{pk}/", ext) for pk, ext in rng.choices(pool, k=n)]

    # The busiest customer's page is the worst case of the latest-orders query.
    busiest = Customer.objects.with_order_stats("orders_count").order_by("-orders_count")[0]
    pages_of = max(1, len(everyone) // 50)
    timings = {
        "customer page, administrator": _stats(pages(admin, everyone, requests)),
        "customer page, sales manager": _stats(pages(manager, own, max(requests // 3, 10))),
        "customer page, busiest customer": _stats(
            [_time(admin, f"/customers/{busiest.pk}/", busiest.external_id)
             for _ in range(20)]),
        "customer list, first page": _stats(
            [_time(admin, "/customers/", "customers") for _ in range(30)]),
        "customer list, random page": _stats(
            [_time(admin, f"/customers/?page={rng.randint(1, pages_of)}", "customers")
             for _ in range(30)]),
        "customer list, search": _stats(
            [_time(admin, f"/customers/?q={rng.choice(SURNAMES)[:5]}", "customers")
             for _ in range(30)]),
        "customer list, sales manager": _stats(
            [_time(manager, "/customers/", "customers") for _ in range(30)]),
        "customer list, sorted by revenue, orders or last purchase": _stats(
            [_time(admin, f"/customers/?sort={rng.choice(REVENUE_SORTS)}", "customers")
             for _ in range(30)]),
    }
    timings.update(_time_searches(admin, len(everyone), rng, requests))
    timings["first customer page open"] = _first_opens(everyone, rng, FIRST_OPENS)
    timings["busiest customer orders"] = busiest.orders_count
    return timings


def _time_searches(admin, customers: int, rng: random.Random, requests: int) -> dict:
    """Time the searches people type on the customer list and the top-bar search page."""
    queries = _search_queries(customers, rng, max(requests // 5, 30))
    return {name: _stats([_time(admin, f"{url}{quote(q)}", 'role="search"') for q in queries])
            for name, url in (("customer search, customer list", "/customers/?q="),
                              ("customer search, top-bar search page", "/search/?q="))}


def measure_search(requests: int, rng: random.Random) -> dict:
    """Time only the searches (``--search-only``), after a few to warm the code paths."""
    from django.test import Client

    from tenure.crm.accounts.models import User
    from tenure.crm.customers.models import Customer

    admin = Client()
    admin.force_login(User.objects.get(username="bench-admin"))
    customers = Customer.objects.count()
    _time_searches(admin, customers, random.Random(0), 10)
    return _time_searches(admin, customers, rng, requests)


# --- the first request of a fresh process ------------------------------------------------

FIRST_OPENS = 7


def _first_opens(customers: list[tuple[int, str]], rng: random.Random, n: int) -> dict:
    """Time the first customer page each of ``n`` fresh processes serves."""
    env = {**os.environ, "TENURE_SECRET_KEY": secrets.token_urlsafe(50)}
    samples = []
    for pk, ext in rng.sample(customers, n):
        out = subprocess.run([sys.executable, __file__, "--first-open", f"/customers/{pk}/",
                              "--expect", ext], env=env, capture_output=True, text=True)
        if out.returncode:
            raise SystemExit(f"bench: the first open of /customers/{pk}/ failed:\n"
                             f"{out.stderr[-2000:]}")
        samples.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return _stats(samples)


def first_open(url: str, username: str, expect: str) -> float:
    """Return the milliseconds of the first request this process serves: ``url`` as
    ``username``.

    The process starts as a gunicorn worker does: it imports ``tenure.crm.wsgi``, whose
    handler has loaded the middleware. Whatever only the first request pays (the URL
    map and the views' imports, templates, translations) is in the figure; the session
    exists already, as it would for a user who signed in on another worker.
    """
    import importlib

    importlib.import_module("tenure.crm.wsgi")  # the worker's start: Django set up
    from django.test import Client

    from tenure.crm.accounts.models import User

    client = Client()
    client.handler.load_middleware()  # as WSGIHandler() does when wsgi is imported
    client.force_login(User.objects.get(username=username))
    return _time(client, url, expect)


# --- the Managers page of the demo shop --------------------------------------------------

def managers_page(requests: int) -> dict:
    """Time the Managers page of the demo shop as its administrator and a sales manager:
    its figures computed in the request (the first view, or any view without a worker);
    served once more while a running worker computes them again after the data changed
    (`insights.performance.recent_performance`); and served while they still hold."""
    from socket import gethostname

    from django.test import Client
    from django.utils import timezone

    from tenure.crm.accounts.models import User
    from tenure.crm.insights.models import StoredPerformance
    from tenure.crm.jobs.models import WorkerProcess
    from tenure.crm.sales.models import Order

    order = Order.objects.order_by("pk").first()

    def computed(client) -> float:
        StoredPerformance.objects.all().delete()
        return _time(client, MANAGERS_URL, 'name="period"')

    def changed(client) -> float:
        # An order edited: the stored figures no longer hold; a worker is running.
        Order.objects.filter(pk=order.pk).update(updated_at=timezone.now())
        WorkerProcess.objects.update(heartbeat_at=timezone.now())
        return _time(client, MANAGERS_URL, "being added")

    WorkerProcess.objects.all().delete()
    timings = {}
    for who, username in (("administrator", "demo"), ("sales manager", "manager1")):
        client = Client()
        client.force_login(User.objects.get(username=username))
        # The filter form is there only when the page has managers' figures to show.
        _time(client, MANAGERS_URL, 'name="period"')  # warm the code paths once
        timings[f"Managers page, {who}, figures computed in the request"] = _stats(
            [computed(client) for _ in range(max(requests // 6, 5))])
        worker = WorkerProcess.objects.create(hostname=gethostname(), pid=os.getpid())
        timings[f"Managers page, {who}, data changed, a worker computing"] = _stats(
            [changed(client) for _ in range(requests)])
        worker.delete()
        computed(client)
        timings[f"Managers page, {who}, figures stored"] = _stats(
            [_time(client, MANAGERS_URL, 'name="period"') for _ in range(requests)])
    return timings


MANAGERS_URL = "/insights/managers/"


def _search_queries(customers: int, rng: random.Random, n: int) -> list[str]:
    """Return ``n`` searches people type: a lower-case Cyrillic fragment, the last digits
    or a local fragment of a phone, a fragment of an email."""
    def cyrillic():
        surname = rng.choice(SURNAMES_CYRILLIC).lower()
        start = rng.randrange(len(surname) - 4)
        return surname[start:start + 4 + rng.randrange(2)]

    def last_digits():
        return f"{rng.randint(1, customers):07d}"[-4:]

    def local_phone():
        digits = f"{rng.randint(1, customers):07d}"
        return f"067 {digits[:3]}-{digits[3:]}"

    def email():
        return f"customer{rng.randint(1, customers)}"[:-1]

    kinds = [cyrillic, last_digits, local_phone, email]
    return [kinds[i % len(kinds)]() for i in range(n)]


if __name__ == "__main__":
    sys.exit(main())
