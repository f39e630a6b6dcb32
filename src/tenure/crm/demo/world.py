"""The whole demo shop as numpy arrays: customers, products, orders, returns, consents,
the everyday work with the customers (complaints, activities, contacts, surveys), and the
campaigns it ran with the orders they caused (`marketing`).

``simulate_shop`` is pure: the same arguments give the same shop, and nothing
reads the clock or the database. It simulates the year after the end too, and keeps
of it only the truth (``Shop.truth``): what each customer then really does. Times are
seconds of shop-local time since midnight of ``Shop.start``; money is in integer cents.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta

import numpy as np

from tenure.crm.engagement.models import DEFAULT_SLA_HOURS

from . import baskets, marketing, people, portfolio, programme
from .assortment import Assortment, draw_assortment
from .consents import Consents, draw_consents
from .desk import Clientele, draw_messengers
from .returns import draw_returns
from .service import Service, draw_service
from .simulation import (
    AHEAD,
    Behaviour,
    Purchases,
    draw_population,
    scale_to_mean,
    season_by_day,
    simulate_purchases,
)
from .truth import Truth, tell_truth

YEARS = 3
DAY = baskets.DAY
CAMPAIGN_STREAM = 13  # the campaigns' random numbers: np.random.default_rng([seed, 13])


@dataclass
class Customers:
    profiles: people.Profiles
    joined: np.ndarray  # seconds
    acquisition: np.ndarray
    referrer: np.ndarray
    manager: np.ndarray
    notes: list[str]
    tag_customer: np.ndarray
    tag: np.ndarray


@dataclass
class Shop:
    start: date
    end: date
    assortment: Assortment
    customers: Customers
    consents: Consents
    orders: baskets.Orders
    lines: baskets.Lines
    returns: baskets.Returns
    service: Service
    truth: Truth
    # The campaigns' deliveries; their caused orders are the last orders.
    campaigns: marketing.Deliveries | None = None
    # The loyalty programme of the second and third years (None: no programme).
    programme: programme.Plan | None = None

    @property
    def revenue(self) -> int:
        """Return the revenue in cents: orders not cancelled, minus refunds."""
        kept = self.orders.status != baskets.CANCELLED
        return int(self.orders.total[kept].sum() - self.returns.amount.sum())


def simulate_shop(customers: int, seed: int, end_date: date,
                  orders_per_customer: float | None = None,
                  behaviour: Behaviour | None = None, present: datetime | None = None,
                  sla_hours: dict[str, int] | None = None,
                  assign: marketing.Assign | None = None) -> Shop:
    """Return a three-year shop of ``customers`` customers ending as ``end_date`` begins.

    The last orders fall on the day before ``end_date``, so a shop built today
    has no order in the future; the purchases of the 365 days from ``end_date`` are
    simulated for ``Shop.truth`` only. ``present`` (shop-local, naive; the end when
    earlier or None) divides the activities done from those planned;
    ``sla_hours`` are the hours to resolve a complaint per severity; ``assign`` holds out
    each campaign's control group (`marketing.Assign`; by default the campaigns' hash of
    the customers' positions).
    """
    rng = np.random.default_rng(seed)
    behaviour = behaviour or Behaviour()
    start = end_date - timedelta(days=365 * YEARS)
    days = (end_date - start).days
    season = season_by_day(start, days, ahead=AHEAD)
    population = draw_population(rng, customers, season[:days], behaviour)
    if orders_per_customer is not None:
        scale_to_mean(population, days, orders_per_customer)
    timeline = simulate_purchases(rng, population, season, behaviour)
    assortment = draw_assortment(rng)
    tastes = baskets.draw_tastes(rng, customers, assortment)
    # The orders after the end are the truth only: the history stops the day before it.
    everything, all_lines = draw_orders(rng, timeline.purchases, tastes, assortment, start,
                                        days * DAY)
    past = int(np.searchsorted(everything.at, days * DAY))
    orders, lines = everything.rows(slice(past)), all_lines.of_first(past)
    truth = tell_truth(population, timeline.left, everything.rows(slice(past, None)),
                       days * DAY)
    returns = draw_returns(rng, orders, lines, days * DAY)
    people_part = draw_customers(rng, population, orders, returns, seed, end_date)
    contact = reachable(people_part.profiles)
    consents = draw_consents(rng, people_part.joined, contact,
                             first_in_store(orders, customers), days * DAY)
    now = days * DAY
    if present is not None:
        now = max(now, int((present - datetime.combine(start, time())).total_seconds()))
    service = draw_service(rng, orders, returns, clientele(rng, people_part, contact, consents),
                           now, start.weekday(), sla_hours or DEFAULT_SLA_HOURS)
    # The campaigns draw from their own stream, so the rest of the shop stays as it was;
    # their caused orders go last, after the orders the returns and service refer to.
    campaign_rng = np.random.default_rng([seed, CAMPAIGN_STREAM])
    deliveries = marketing.run_campaigns(
        campaign_rng, orders, people_part.profiles.birth_date, consents, contact[:, 0], start,
        days, assign or marketing.default_assign)
    orders, lines = add_caused_orders(campaign_rng, deliveries, orders, lines, tastes,
                                      assortment, start, days * DAY)
    truth.campaign_uplift = {plan.name: plan.effect for plan in marketing.PLANS}
    # The programme draws from its own stream too, once every order is known.
    plan = programme.plan_programme(
        np.random.default_rng([seed, programme.STREAM]), orders, people_part.profiles,
        people_part.referrer, people_part.joined, days)
    if plan is not None:
        truth.loyalty_start = start + timedelta(days=programme.START_DAY)
        truth.loyalty_order_lift = programme.TRUE_ORDER_LIFT
    return Shop(start, end_date, assortment, people_part, consents, orders, lines, returns,
                service, truth, deliveries, plan)


def add_caused_orders(rng, deliveries: marketing.Deliveries, orders: baskets.Orders,
                      lines: baskets.Lines, tastes: baskets.Tastes, assortment: Assortment,
                      start: date, end: int) -> tuple[baskets.Orders, baskets.Lines]:
    """Return ``orders`` and ``lines`` with the orders the campaigns caused after them,
    none cancelled, the coupon's discount on those placed with it; point
    ``deliveries.order`` at them."""
    customer, day = marketing.caused_days(rng, deliveries)
    caused, caused_lines = draw_orders(
        rng, Purchases(customer, day, np.zeros(len(customer), dtype=np.int8)), tastes,
        assortment, start, end, keep_order=True)
    caused.status[:] = baskets.COMPLETED
    percent = np.zeros(len(customer), dtype=np.int64)
    with_coupon = deliveries.coupon_used
    percent[deliveries.order[with_coupon]] = [
        marketing.PLANS[p].coupon_percent for p in deliveries.plan[with_coupon].tolist()]
    rate = percent[caused_lines.order]
    # The coupon's percentage of each line, half a cent rounded up.
    caused_lines.discount = np.where(
        rate > 0, (caused_lines.price * caused_lines.quantity * rate + 50) // 100,
        caused_lines.discount)
    caused.total, caused.discount, caused.cost = baskets.totals(caused_lines, len(customer))
    first = len(orders.at)
    deliveries.order[deliveries.order >= 0] += first
    caused_lines.order += first
    return (baskets.Orders(*(np.concatenate([getattr(orders, f.name), getattr(caused, f.name)])
                             for f in fields(baskets.Orders))),
            baskets.Lines(*(np.concatenate([getattr(lines, f.name),
                                            getattr(caused_lines, f.name)])
                            for f in fields(baskets.Lines))))


def clientele(rng, customers: Customers, contact: np.ndarray, consents: Consents) -> Clientele:
    """Return what the staff know of each customer."""
    locale = [people.LOCALES[i] for i in customers.profiles.locale.tolist()]
    return Clientele(manager=customers.manager, locale=locale, phone=contact[:, 1],
                     email=contact[:, 0], email_consent=consents.current[:, 0],
                     messenger=draw_messengers(rng, locale), joined=customers.joined)


def draw_orders(rng, purchases: Purchases, tastes: baskets.Tastes, assortment: Assortment,
                start: date, end: int, keep_order: bool = False
                ) -> tuple[baskets.Orders, baskets.Lines]:
    """Return the orders, sorted by time (in the purchases' order with ``keep_order``), and
    their lines."""
    day = np.floor(purchases.time).astype(np.int64)
    channel, store = baskets.draw_channels(rng, purchases.customer, tastes)
    in_store = channel == baskets.CHANNELS.index("store")
    at = day * DAY + baskets.time_of_day(rng, in_store)
    order = np.arange(len(at)) if keep_order else np.argsort(at, kind="stable")
    purchases = Purchases(purchases.customer[order], at[order] / DAY,
                          purchases.experience[order])
    at, channel, store = at[order], channel[order], store[order]
    lines = baskets.draw_lines(rng, purchases, tastes, assortment)
    dates = np.datetime64(start) + (at // DAY).astype("timedelta64[D]")
    month = dates.astype("datetime64[M]").astype(int) % 12
    day_of_month = (dates - dates.astype("datetime64[M]")).astype(int) + 1
    baskets.apply_discounts(rng, lines, month, day_of_month)
    total, discount, cost = baskets.totals(lines, len(at))
    status = baskets.draw_statuses(rng, at, channel, end)
    return baskets.Orders(purchases.customer, at, channel, store, status, total, discount,
                          cost, purchases.experience), lines


def first_in_store(orders: baskets.Orders, n: int) -> np.ndarray:
    """Return whether each customer's first order was placed in a store."""
    customer, first = np.unique(orders.customer, return_index=True)
    result = np.zeros(n, dtype=bool)
    result[customer] = orders.channel[first] == baskets.CHANNELS.index("store")
    return result


def draw_customers(rng, population, orders: baskets.Orders, returns: baskets.Returns,
                   seed: int, end_date: date) -> Customers:
    """Return the customers' profiles and how the shop knows them."""
    n = len(population.acquired)
    joined = np.floor(population.acquired).astype(np.int64) * DAY + rng.integers(0, DAY, n)
    buyer, first = np.unique(orders.customer, return_index=True)
    joined[buyer] = orders.at[first]  # a buyer joins with their first order
    profiles = people.draw_profiles(rng, n, seed, end_date)
    referrer = portfolio.draw_referrers(rng, joined // DAY, population.rate)
    kept = orders.status != baskets.CANCELLED
    revenue = np.bincount(orders.customer[kept], weights=orders.total[kept], minlength=n)
    complained = np.zeros(n, dtype=bool)
    complained[orders.customer[returns.order[returns.reason <= 3]]] = True
    tag_customer, tag = portfolio.draw_tags(rng, revenue, complained)
    return Customers(
        profiles=profiles, joined=joined,
        acquisition=portfolio.draw_acquisition(rng, referrer, first_in_store(orders, n)),
        referrer=referrer, manager=portfolio.draw_managers(rng, n),
        notes=portfolio.draw_notes(rng, [people.LOCALES[i] for i in profiles.locale]),
        tag_customer=tag_customer, tag=tag,
    )


def reachable(profiles: people.Profiles) -> np.ndarray:
    """Return customers x consent channels: email needs an email, the rest a phone."""
    email = np.array([bool(e) for e in profiles.email])
    phone = np.array([bool(p) for p in profiles.phone])
    return np.column_stack([email, phone, phone, phone])
