"""The top bar's search: the customers, orders and complaints a query finds, on one page.

Customers and orders are searched here (sales stands below customers); the apps above
customers add their own section with ``register`` from their ``AppConfig.ready``, as
engagement adds complaints. Each section returns only what the user may see (its app's
access helper), at most a few hits, and names its full filtered list where one exists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlencode

from django.db.models import CharField, F, QuerySet, Value
from django.db.models.functions import Coalesce, Concat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tenure.crm.lib import formatting
from tenure.crm.lib.formatting import money
from tenure.crm.sales.access import orders_for_user

from . import search_index
from .access import customers_for_user
from .forms import search_q
from .models import Customer

LIMIT = 20
# Orders and complaints are looked for among this many matching customers.
MATCHED_CUSTOMERS = 100
# The customer list counts a search's customers up to this many; past it, "more than".
COUNTED = 1000
# The order of the sections on the page; a section registered but not named here comes last.
ORDER = ("customers", "orders", "complaints")


@dataclass(frozen=True)
class Hit:
    title: str
    detail: str
    url: str


class Query:
    """What a user searches for, with the customers it finds, read once for every section."""

    def __init__(self, user, text: str):
        self.user, self.text = user, text.strip()

    @cached_property
    def customer_ids(self) -> list[int]:
        """Return the first matching customers the user may see, by name.

        The sections of orders and complaints look for those of these customers: a
        query that matches thousands of people is narrowed on the full lists instead.
        """
        customers = customers_for_user(self.user).filter(search_q(self.text))
        with search_index.through_indexes(self.text):
            return list(customers.order_by(*by_name()).values_list("pk", flat=True)
                        [:MATCHED_CUSTOMERS])


def by_name(descending: bool = False) -> list:
    """Return the order by name, then id, of the customers a search finds.

    The name is sorted as an expression, not as the column: given the column, PostgreSQL
    walks the name index and reads customer after customer until enough match, every one
    of them when the matches are few (a third of a second at 100,000 customers); given the
    expression, it finds the matches through the trigram indexes, then sorts those.
    """
    name = Concat(F("name"), Value(""), output_field=CharField())
    if descending:
        return [name.desc(), F("id").desc()]
    return [name.asc(), F("id").asc()]


class FirstMatches:
    """The ids of the first `COUNTED` customers the search ``text`` finds, in their
    order, read with one query that serves the count as well as the page.

    Counting every match would read them all a second time (on SQLite, every customer)
    to tell "3,577 customers" where "more than 1,000" serves the reader as well: they
    narrow the search rather than page through it. ``capped`` says there are more.
    """

    def __init__(self, ids: QuerySet, text: str):
        with search_index.through_indexes(text):
            self.ids = list(ids[:COUNTED + 1])
        self.capped = len(self.ids) > COUNTED
        del self.ids[COUNTED:]

    def count(self) -> int:
        return len(self.ids)

    def __getitem__(self, window: slice) -> list[int]:
        return self.ids[window]


@dataclass(frozen=True)
class Section:
    """One kind of thing the search finds.

    ``find(query, limit)`` returns up to ``limit`` hits the query's user may see;
    ``list_url(text)`` the full list filtered by the text, when there is one.
    """

    key: str
    label: object
    permission: str
    find: Callable[[Query, int], list[Hit]]
    list_url: Callable[[str], str] | None = None


@dataclass(frozen=True)
class Found:
    section: Section
    hits: list[Hit]
    more: bool
    list_url: str


SECTIONS: dict[str, Section] = {}


def register(section: Section) -> None:
    """Add ``section`` to every search."""
    SECTIONS[section.key] = section
    rank = {name: i for i, name in enumerate(ORDER)}
    ordered = sorted(SECTIONS.items(), key=lambda item: rank.get(item[0], len(ORDER)))
    SECTIONS.clear()
    SECTIONS.update(ordered)


def sections_for_user(user) -> list[Section]:
    """Return the sections ``user`` may search."""
    return [section for section in SECTIONS.values() if user.has_perm(section.permission)]


def search(user, text: str, limit: int = LIMIT) -> list[Found]:
    """Return what ``text`` finds in each section ``user`` may search."""
    query, found = Query(user, text), []
    for section in sections_for_user(user):
        hits = section.find(query, limit + 1)  # one more tells whether there are more
        url = section.list_url(query.text) if section.list_url else ""
        found.append(Found(section, hits[:limit], len(hits) > limit, url))
    return found


def with_query(url_name: str, text: str) -> str:
    """Return the page ``url_name`` with ``?q=text``."""
    return f"{reverse(url_name)}?{urlencode({'q': text})}"


def _customers(query: Query, limit: int) -> list[Hit]:
    ids = query.customer_ids[:limit]
    by_id = Customer.objects.in_bulk(ids)
    return [Hit(str(customer), " · ".join(filter(None, [
        customer.email, customer.phone, customer.city])), customer.get_absolute_url())
        for customer in (by_id[pk] for pk in ids)]


def _orders(query: Query, limit: int) -> list[Hit]:
    visible = orders_for_user(query.user).select_related("customer")
    # Two queries, each through its own index (external id; customer, -ordered_at),
    # rather than one OR that would walk every order by time. The second sorts by an
    # expression of the time: given the column, PostgreSQL walks the time index of every
    # order and keeps these customers' (50 ms at a million orders).
    orders = {order.pk: order for order in visible.filter(external_id=query.text)[:limit]}
    newest_first = [Coalesce("ordered_at", "ordered_at").desc(), F("id").desc()]
    orders.update((order.pk, order) for order in visible.filter(
        customer__in=query.customer_ids).order_by(*newest_first)[:limit])
    newest = sorted(orders.values(), key=lambda o: (o.ordered_at, o.pk), reverse=True)
    return [Hit(_("Order %(number)s") % {"number": order.external_id}, " · ".join([
        str(order.customer), formatting.day(order.ordered_at),
        money(order.total, order.currency)]), reverse("sales:order", args=[order.pk]))
        for order in newest[:limit]]


register(Section("customers", gettext_lazy("Customers"), "customers.view_customer", _customers,
                 lambda query: with_query("customers:list", query)))
register(Section("orders", gettext_lazy("Orders"), "sales.view_order", _orders,
                 lambda query: with_query("sales:orders", query)))
