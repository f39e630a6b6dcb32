"""The managers' activities: calls, meetings and tasks, done in the past and planned ahead.

Past ones follow the orders (a call a few days after, an offer before, a win-back call
months after the last one) and are mostly done on time, some late, a few cancelled.
Ahead of the present each manager has calls today, this week and the next weeks, and a
few left overdue. Survey answers with a low score add a call back (see ``call_backs``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tenure.crm.feedback.answering import CALL_BACK_AT

from . import baskets, phrases
from .desk import (
    DAY,
    HOUR,
    QUARTER,
    SUPPORT,
    Clientele,
    Columns,
    next_working_morning,
    office_time,
)

KINDS = {"follow_up": "call", "win_back": "call", "offer": "call", "meeting": "meeting",
         "invoice": "task", "quote": "task", "call_back": "call"}
DURATIONS = {"call": 15, "meeting": 60, "task": 30}
# purpose -> (what came of it, chance)
RESULTS = {
    "follow_up": (["reached", "no_answer", "callback", "ordered"], [0.7, 0.15, 0.1, 0.05]),
    "offer": (["ordered"], [1.0]),
    "win_back": (["not_interested", "callback", "no_answer", "interested"],
                 [0.35, 0.2, 0.25, 0.2]),
    "meeting": (["reached"], [1.0]),
    "invoice": (["task"], [1.0]),
    "quote": (["task"], [1.0]),
    "call_back": (["apology", "no_answer"], [0.85, 0.15]),
}
# purpose -> days from the order to the due time, and to when it was planned: a call or
# an invoice after the order, an offer before a repeat order, a meeting before buying.
AROUND_ORDERS = {"follow_up": ((2, 6), (0.02, 0.5)), "invoice": ((1, 2), (0.02, 0.5)),
                 "offer": ((-6, -1), (-10, -6)), "meeting": ((0, 0), (-7, -2))}
PLANNED, DONE, CANCELLED = "planned", "done", "cancelled"
WEEKS_AHEAD = 4
PURPOSES_AHEAD = ["follow_up", "win_back", "offer", "meeting", "quote"]


@dataclass
class Activities(Columns):
    customer: np.ndarray
    assignee: np.ndarray  # staff
    purpose: list[str]  # a key of KINDS
    subject: list[str]  # empty for call backs: the loader writes them as the app does
    due: np.ndarray
    created: np.ndarray
    status: list[str]
    completed: np.ndarray  # -1 while planned
    result: list[str]  # what came of it: a key of phrases.ACTIVITY_OUTCOMES, or ""
    outcome: list[str]
    reschedules: np.ndarray
    answer: np.ndarray  # the survey answer a call back follows, else -1

    @property
    def kind(self) -> list[str]:
        return [KINDS[p] for p in self.purpose]

    @property
    def duration(self) -> list[int]:
        return [DURATIONS[k] for k in self.kind]


def plan(rng, customer: np.ndarray, purpose: list[str], due: np.ndarray, created: np.ndarray,
         people: Clientele, order: np.ndarray | None = None) -> Activities:
    """Return planned activities; ``order`` (or -1) is the order a subject may name."""
    n = len(customer)
    order = np.full(n, -1) if order is None else order
    locale = [people.locale[c] for c in customer.tolist()]
    numbers = [baskets.order_number(o) if o >= 0 else "" for o in order.tolist()]
    subject = [phrases.pick(phrases.ACTIVITIES[p], loc, r, order=o) if p != "call_back" else ""
               for p, loc, r, o in zip(purpose, locale, rng.random(n).tolist(), numbers,
                                       strict=True)]
    # Made an hour before it is due at the latest, and not before the shop's history
    # begins (an offer made days before an order of its first week): a time before it has
    # no date in the database.
    created = np.maximum(np.minimum(created, due - HOUR), 0)
    return Activities(
        customer=customer, assignee=people.server(customer), purpose=purpose, subject=subject,
        due=due, created=created, status=[PLANNED] * n,
        completed=np.full(n, -1), result=[""] * n, outcome=[""] * n,
        reschedules=np.zeros(n, dtype=np.int64), answer=np.full(n, -1),
    )


def draw_history(rng, orders: baskets.Orders, people: Clientele, present: int,
                 first_weekday: int) -> Activities:
    """Return the managers' activities due before ``present``, done or cancelled."""
    parts = [around_orders(rng, orders, index, purpose, people, first_weekday)
             for purpose, index in orders_with(rng, orders, people).items()]
    history = Activities.join([*parts, win_backs(rng, orders, people, present, first_weekday)])
    keep = np.flatnonzero((history.due < present - HOUR)
                          & (history.due > people.joined[history.customer]))
    history = history.take(keep[np.argsort(history.due[keep], kind="stable")])
    settle(rng, history, people, present)
    return history


def orders_with(rng, orders: baskets.Orders, people: Clientele) -> dict[str, np.ndarray]:
    """Return the orders each kind of past activity is about (managed customers with a
    phone only)."""
    n = len(orders.at)
    reachable = (people.managed(orders.customer) & people.phone[orders.customer]
                 & (orders.status != baskets.CANCELLED))
    repeat = np.ones(n, dtype=bool)
    repeat[np.unique(orders.customer, return_index=True)[1]] = False
    in_store = orders.channel == baskets.CHANNELS.index("store")
    roll = rng.random((4, n))
    return {
        "follow_up": np.flatnonzero(reachable & (roll[0] < 0.06)),
        "invoice": np.flatnonzero(reachable & (roll[1] < 0.02)),
        "offer": np.flatnonzero(reachable & repeat & (roll[2] < 0.03)),
        "meeting": np.flatnonzero(reachable & in_store & (roll[3] < 0.05)),
    }


def around_orders(rng, orders: baskets.Orders, index: np.ndarray, purpose: str,
                  people: Clientele, first_weekday: int) -> Activities:
    """Return the ``purpose`` activities about the orders at ``index``."""
    (due_from, due_to), (made_from, made_to) = AROUND_ORDERS[purpose]
    at = orders.at[index]
    due = office_time(rng, at + after(rng.uniform(due_from, due_to, len(index))), first_weekday)
    if purpose == "meeting":  # in the store, just before buying there
        due = (at - 1800) // QUARTER * QUARTER
    made = at + after(rng.uniform(made_from, made_to, len(index)))
    return plan(rng, orders.customer[index], [purpose] * len(index), due, made, people,
                order=index)


def after(days: np.ndarray) -> np.ndarray:
    """Return ``days`` in whole seconds."""
    return (days * DAY).astype(np.int64)


def win_backs(rng, orders: baskets.Orders, people: Clientele, present: int,
              first_weekday: int) -> Activities:
    """Return calls to managed repeat buyers who have not bought for some months.

    A call is made only while the customer is lapsed: after an order and before their
    next one (some come back later, some never do), so the call says nothing of the future.
    """
    n = len(orders.at)
    order = np.lexsort((orders.at, orders.customer))
    customer, at = orders.customer[order], orders.at[order]
    same_next = np.append(customer[1:] == customer[:-1], False)
    next_at = np.where(same_next, np.append(at[1:], 0), present)
    repeat = np.insert(customer[1:] == customer[:-1], 0, False)
    call = at + (rng.uniform(100, 200, n) * DAY).astype(np.int64)
    lapsed = (people.managed(customer) & people.phone[customer] & repeat & (call < next_at)
              & (rng.random(n) < 0.4))
    customer, call = customer[lapsed], call[lapsed]
    due = office_time(rng, call, first_weekday)
    made = due - (rng.uniform(1, 10, len(customer)) * DAY).astype(np.int64)
    return plan(rng, customer, ["win_back"] * len(customer), due, made, people)


def last_orders(orders: baskets.Orders) -> tuple[np.ndarray, np.ndarray]:
    """Return each buyer and the index of their last order (orders are sorted by time)."""
    n = len(orders.at)
    customer, from_end = np.unique(orders.customer[::-1], return_index=True)
    return customer, n - 1 - from_end


def settle(rng, acts: Activities, people: Clientele, present: int) -> None:
    """Mark past activities done (mostly on time) or cancelled, with what came of them."""
    n = len(acts.due)
    result = np.empty(n, dtype=object)
    purpose = np.array(acts.purpose, dtype=object)
    for key, (results, shares) in RESULTS.items():
        mine = purpose == key
        result[mine] = np.array(results, dtype=object)[rng.choice(len(results), mine.sum(),
                                                                  p=shares)]
    roll = rng.random((3, n))
    cancelled = roll[0] < 0.07
    late = ~cancelled & (roll[1] < 0.2)
    early = rng.uniform(300, 3 * HOUR, n).astype(np.int64)
    delay = rng.uniform(HOUR, 3 * DAY, n).astype(np.int64)
    completed = np.where(late, acts.due + delay, np.maximum(acts.due - early, acts.created + 60))
    acts.completed = np.minimum(completed, present - 60)
    acts.status = [CANCELLED if c else DONE for c in cancelled.tolist()]
    acts.result = ["" if c else r for c, r in zip(cancelled.tolist(), result.tolist(),
                                                  strict=True)]
    locale = [people.locale[c] for c in acts.customer.tolist()]
    acts.outcome = [phrases.pick(phrases.ACTIVITY_OUTCOMES[r or "cancelled"], loc, x)
                    for r, loc, x in zip(acts.result, locale, roll[2].tolist(), strict=True)]
    acts.reschedules = (late & (roll[2] < 0.3)).astype(np.int64)


def draw_ahead(rng, orders: baskets.Orders, people: Clientele, present: int,
               first_weekday: int) -> Activities:
    """Return each manager's planned activities: a few overdue, today's, and the next weeks'."""
    customer, last = last_orders(orders)
    since = present - orders.at[last]
    nothing = np.zeros(0, dtype=np.int64)
    parts = [plan(rng, nothing, [], nothing, nothing, people)]
    for manager in range(SUPPORT):
        mine = (people.manager[customer] == manager) & people.phone[customer]
        if not mine.any():
            continue
        due = ahead_times(rng, present, first_weekday)
        pools = [mine & (since < 21 * DAY), mine & (since > 120 * DAY) & (since < 600 * DAY),
                 mine]
        # Calls after recent orders come first; further ahead, offers and win-backs.
        soon = due < present + 7 * DAY
        purpose = np.where(soon, rng.choice(PURPOSES_AHEAD, len(due), p=[0.55, 0.1, 0.15, 0.05,
                                                                         0.15]),
                           rng.choice(PURPOSES_AHEAD, len(due), p=[0.05, 0.4, 0.3, 0.1, 0.15]))
        pool = np.select([purpose == "follow_up", purpose == "win_back"], [0, 1], 2)
        chosen = np.empty(len(due), dtype=np.int64)
        for p in range(3):
            where = np.flatnonzero(pools[p]) if pools[p].any() else np.flatnonzero(mine)
            chosen[pool == p] = where[rng.integers(0, len(where), (pool == p).sum())]
        made = np.minimum(due, present) - (rng.uniform(0, 10, len(due)) * DAY).astype(np.int64)
        parts.append(plan(rng, customer[chosen], purpose.tolist(), due, made, people,
                          order=np.where(purpose == "follow_up", last[chosen], -1)))
    return Activities.join(parts)


def ahead_times(rng, present: int, first_weekday: int) -> np.ndarray:
    """Return one manager's due times: overdue ones, later today, then working days ahead."""
    today = present // DAY * DAY
    overdue = office_time(rng, present - (rng.uniform(1, 9, rng.integers(2, 6)) * DAY)
                          .astype(np.int64), first_weekday)
    overdue = np.minimum(overdue, present - HOUR)
    # Today's calls come after the present, even when the demo is built in the evening.
    span = np.clip(today + 19 * HOUR - present, HOUR, max(today + DAY - present - 900, 900))
    later_today = present + 600 + (rng.random(rng.integers(3, 6)) * span).astype(np.int64)
    later_today = -(-later_today // 300) * 300  # to the next five minutes
    days = np.arange(1, 7 * WEEKS_AHEAD) + present // DAY
    day_of_week = (days + first_weekday) % 7
    per_day = rng.poisson(np.select([day_of_week < 5, day_of_week == 5], [2.2, 0.4], 0.0))
    coming = office_time(rng, np.repeat(days, per_day) * DAY, first_weekday)
    return np.sort(np.concatenate([overdue, later_today, coming]))


def call_backs(rng, customer: np.ndarray, answered: np.ndarray, answer: np.ndarray,
               people: Clientele, present: int, first_weekday: int) -> Activities:
    """Return the call planned after each low survey answer, for the next working morning.

    The customer's manager takes it, or support when they have none (the surveys'
    follow-up user); those already due are done or cancelled.
    """
    due = next_working_morning(answered, first_weekday, CALL_BACK_AT.hour)
    calls = plan(rng, customer, ["call_back"] * len(customer), due, answered, people)
    calls.created, calls.answer = answered, answer
    past = calls.take(np.flatnonzero(due < present))
    settle(rng, past, people, present)
    return Activities.join([past, calls.take(np.flatnonzero(due >= present))])
