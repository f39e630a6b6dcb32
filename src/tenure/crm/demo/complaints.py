"""Complaints about orders, with every change of their status: who and when.

Every purchase that went wrong (``Orders.experience``) brings a complaint, and a few
others do, more often when goods came back faulty: about 3 % of orders in all. Most are
resolved within their severity's SLA, some late; a few reopen, many are closed a few
days after, and the newest are still open. The complaints the shop left unresolved (the
simulation decided it with the purchase, and whether the customer left over it) are
never resolved, or only long after their due time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import baskets, phrases
from .desk import DAY, HOUR, SUPPORT, Clientele
from .simulation import FINE, UNRESOLVED

CATEGORIES = ["product", "delivery", "service", "billing", "return", "other"]
CATEGORY_SHARES = [0.22, 0.36, 0.2, 0.1, 0.04, 0.08]
# Days from the order to the complaint, by category ("return": from the return).
DELAYS = {"product": (3, 25), "delivery": (1, 7), "service": (0, 5), "billing": (0.1, 4),
          "return": (7, 16), "other": (0, 30)}
SEVERITIES = ["low", "medium", "high", "critical"]
SEVERITY_SHARES = [0.25, 0.45, 0.22, 0.08]
CHANNELS = ["call", "email", "message", "meeting"]  # engagement.InteractionKind values
NEW, IN_PROGRESS, RESOLVED, CLOSED = "new", "in_progress", "resolved", "closed"
# Return reasons (baskets.RETURN_REASONS) that were the shop's fault, and what they are about.
FAULTS = {1: "product", 2: "product", 3: "delivery", 4: "delivery"}
RECENT = 30 * DAY
# Share of the complaints the shop leaves unresolved that are never resolved at all.
ABANDONED = 0.55


@dataclass
class Complaints:
    order: np.ndarray
    customer: np.ndarray
    at: np.ndarray  # opened
    due: np.ndarray
    category: list[str]
    severity: list[str]
    channel: list[str]
    status: list[str]
    assignee: np.ndarray  # staff
    created_by: np.ndarray  # staff
    resolved: np.ndarray  # -1 while unresolved
    closed: np.ndarray  # -1 unless closed
    description: list[str]
    resolution: list[str]


@dataclass
class ComplaintEvents:
    """Every change of every complaint, by complaint and time."""

    complaint: np.ndarray
    at: np.ndarray
    by: np.ndarray  # staff
    from_status: list[str]  # "" for the registration
    to_status: list[str]
    assignee: np.ndarray  # staff
    note: list[str]


def draw_complaints(rng, orders: baskets.Orders, returns: baskets.Returns, people: Clientele,
                    present: int, sla_hours: dict[str, int]
                    ) -> tuple[Complaints, ComplaintEvents]:
    """Return the complaints opened before ``present`` and their history up to it."""
    order, category, at = choose_orders(rng, orders, returns)
    kept = np.flatnonzero(at < present)
    kept = kept[np.argsort(at[kept], kind="stable")]
    order, at = order[kept], at[kept]
    category = [CATEGORIES[c] for c in category[kept].tolist()]
    customer, n = orders.customer[order], len(kept)
    severity = [SEVERITIES[s] for s in rng.choice(len(SEVERITIES), n, p=SEVERITY_SHARES)]
    due = at + np.array([sla_hours[s] for s in severity], dtype=np.int64) * HOUR
    managed = people.managed(customer)
    by_manager = managed & (rng.random(n) < 0.2)
    created_by = np.where(by_manager, people.server(customer), SUPPORT)
    assignee = np.where(by_manager | (managed & (rng.random(n) < 0.3)),
                        people.server(customer), SUPPORT)
    locale = [people.locale[c] for c in customer.tolist()]
    numbers = [baskets.order_number(o) for o in order.tolist()]
    complaints = Complaints(
        order=order, customer=customer, at=at, due=due, category=category, severity=severity,
        channel=draw_channels(rng, orders.channel[order], people.phone[customer],
                              people.email[customer]),
        status=[], assignee=assignee, created_by=created_by, resolved=np.full(n, -1),
        closed=np.full(n, -1),
        description=phrases.pick_all(phrases.COMPLAINTS, category, locale, rng.random(n),
                                     numbers),
        resolution=[],
    )
    neglected = orders.experience[order] == UNRESOLVED
    return complaints, play_out(rng, complaints, managed, people.server(customer), locale,
                                present, neglected)


def choose_orders(rng, orders: baskets.Orders, returns: baskets.Returns):
    """Return the orders complained about, the category (index) and the time of each."""
    n = len(orders.at)
    cancelled = orders.status == baskets.CANCELLED
    chance = np.where(cancelled, 0.01, 0.008)
    returned_at, reason = np.full(n, -1), np.full(n, -1)
    returned_at[returns.order], reason[returns.order] = returns.at, returns.reason
    fault = np.isin(reason, list(FAULTS))
    chance[fault] = 0.4
    chance[orders.experience != FINE] = 1.0
    category = rng.choice(len(CATEGORIES), n, p=CATEGORY_SHARES)
    index = CATEGORIES.index
    category[(category == index("return")) & (returned_at < 0)] = index("service")
    category[cancelled] = np.where(rng.random(cancelled.sum()) < 0.6, index("billing"),
                                   index("service"))
    fault_category = np.array([index(FAULTS.get(r, "other")) for r in reason[fault].tolist()])
    category[fault] = np.where(rng.random(fault.sum()) < 0.2, index("return"), fault_category)
    low, high = (np.array([DELAYS[c][k] for c in CATEGORIES]) for k in (0, 1))
    delay = (low[category] + rng.random(n) * (high - low)[category]) * DAY
    at = np.where(category == index("return"), returned_at, orders.at) + delay.astype(np.int64)
    # A faulty item is complained about just before it is sent back.
    before_return = fault & (category != index("return"))
    early = returned_at - (rng.random(n) * 3 * DAY).astype(np.int64)
    at[before_return] = np.maximum(early, orders.at + 2 * HOUR)[before_return]
    chosen = np.flatnonzero(rng.random(n) < chance)
    return chosen, category[chosen], at[chosen]


def draw_channels(rng, order_channel: np.ndarray, phone: np.ndarray, email: np.ndarray
                  ) -> list[str]:
    """Return how each complaint came in: a call or message needs a phone, email an address,
    and a complaint in person an order from a store."""
    channel = rng.choice(len(CHANNELS), len(phone), p=[0.42, 0.25, 0.25, 0.08])
    call, mail, message, meeting = range(len(CHANNELS))
    in_store = order_channel == baskets.CHANNELS.index("store")
    channel[(channel == meeting) & ~in_store] = call
    channel[np.isin(channel, [call, message]) & ~phone] = mail
    channel[(channel == mail) & ~email] = np.where(phone, call, meeting)[(channel == mail)
                                                                        & ~email]
    return [CHANNELS[c] for c in channel.tolist()]


def play_out(rng, c: Complaints, managed: np.ndarray, manager: np.ndarray, locale: list[str],
             present: int, neglected: np.ndarray) -> ComplaintEvents:
    """Draw each complaint's changes, keep those before ``present`` and set its state.

    The ``neglected`` ones are resolved long after their due time, or never.
    """
    n = len(c.at)
    sla = c.due - c.at
    respond = c.at + (sla * rng.uniform(0.03, 0.3, n)).astype(np.int64)
    took = (sla * rng.lognormal(np.log(0.5), 0.65, n)).astype(np.int64)
    late = (sla + rng.uniform(3, 20, n) * DAY).astype(np.int64)
    abandoned = neglected & (rng.random(n) < ABANDONED)
    took = np.where(neglected, late, took)
    # Some of the newest are stuck: still unresolved now, and most of them overdue.
    stuck = ((c.at > present - RECENT) & (rng.random(n) < 0.2)) | abandoned
    waiting = present - c.at + (rng.uniform(1, 10, n) * DAY).astype(np.int64)
    resolve = np.maximum(c.at + np.where(stuck, waiting, took), respond + 600)
    took_again = (sla * rng.lognormal(np.log(0.4), 0.6, n)).astype(np.int64)
    quick, reassign, reopen, close = rng.random((4, n)) < np.array([[0.2], [0.15], [0.04],
                                                                   [0.45]])
    reassign &= managed & (c.assignee == SUPPORT) & ~quick
    pause = rng.uniform([[DAY], [2 * DAY], [600]], [[5 * DAY], [10 * DAY], [7200]], (3, n))
    rolls = rng.random((2, n))
    rows = []
    for i in range(n):
        history = complaint_history(
            i, c, int(respond[i]), int(resolve[i]), int(took_again[i]), bool(quick[i]),
            int(manager[i]) if reassign[i] else None, bool(reopen[i]), bool(close[i]),
            pause[:, i].astype(np.int64).tolist(), rolls[:, i].tolist(), locale[i])
        rows += settle(i, c, [e for e in history if e[1] < present])
    complaint, at, by, from_status, to_status, assignee, note = zip(*rows, strict=True)
    return ComplaintEvents(np.array(complaint), np.array(at, dtype=np.int64), np.array(by),
                           list(from_status), list(to_status), np.array(assignee), list(note))


def complaint_history(i: int, c: Complaints, respond: int, resolve: int, took_again: int,
                      quick: bool, escalate_to: int | None, reopen: bool, close: bool,
                      pause: list[int], rolls: list[float], locale: str) -> list[tuple]:
    """Return complaint ``i``'s changes: (complaint, at, by, from, to, assignee, note)."""
    who, table = int(c.assignee[i]), phrases.RESOLUTIONS[c.category[i]]
    events = [(i, int(c.at[i]), int(c.created_by[i]), "", NEW, who, "")]
    if not quick:
        events.append((i, respond, who, NEW, IN_PROGRESS, who, ""))
    if escalate_to is not None:
        at = min(respond + pause[2], resolve - 60)
        events.append((i, at, SUPPORT, IN_PROGRESS, IN_PROGRESS, escalate_to, ""))
        who = escalate_to
    status = events[-1][4]
    events.append((i, resolve, who, status, RESOLVED, who,
                   phrases.pick(table, locale, rolls[0])))
    if reopen:
        again = resolve + pause[0]
        events.append((i, again, int(c.created_by[i]), RESOLVED, IN_PROGRESS, who,
                       phrases.REOPENED[locale]))
        resolve = again + took_again
        events.append((i, resolve, who, IN_PROGRESS, RESOLVED, who,
                       phrases.pick(table, locale, rolls[1])))
    if close:
        events.append((i, resolve + pause[1], who, RESOLVED, CLOSED, who, ""))
    return events


def settle(i: int, c: Complaints, events: list[tuple]) -> list[tuple]:
    """Set complaint ``i``'s status, assignee and times from its ``events``; return them."""
    *_, last = events
    status = last[4]
    c.status.append(status)
    c.assignee[i] = last[5]
    resolved = [e for e in events if e[4] == RESOLVED]
    done = status in (RESOLVED, CLOSED)
    c.resolved[i] = resolved[-1][1] if done else -1
    c.closed[i] = last[1] if status == CLOSED else -1
    c.resolution.append(resolved[-1][6] if done else "")
    return events
