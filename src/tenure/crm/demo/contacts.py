"""Contacts with customers that happened: calls, emails, messages, meetings and notes.

They come around the orders (taken by phone, questions while waiting, invoices), with
each complaint (how it came in, how it was settled) and with every call or meeting an
activity records as done. The customer's manager makes them, or support for customers
without one; summaries are in the customer's language.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import baskets, phrases
from .agenda import DONE, Activities
from .complaints import RESOLVED, ComplaintEvents, Complaints
from .desk import DAY, Clientele, Columns

# script -> (kind, direction, outcome); the summary is phrases.CONTACTS[script]
SCRIPTS = {
    "phone_order": ("call", "in", "ordered"),
    "question": ("message", "in", "reached"),
    "invoice": ("email", "out", ""),
    "email_check": ("email", "out", ""),
    "note": ("note", "", ""),
}
# The line a call or an email goes through; a message's is the customer's messenger.
LINES = {"call": "Phone", "email": "Email"}
# What came of an activity -> the contact's outcome.
ACTIVITY_OUTCOMES = {"reached": "reached", "ordered": "ordered", "interested": "interested",
                     "not_interested": "not_interested", "callback": "callback",
                     "no_answer": "no_answer", "apology": "reached"}


@dataclass
class Interactions(Columns):
    customer: np.ndarray
    at: np.ndarray
    staff: np.ndarray
    kind: list[str]
    direction: list[str]
    outcome: list[str]
    channel: list[str]
    summary: list[str]


def draw_interactions(rng, orders: baskets.Orders, complaints: Complaints,
                      events: ComplaintEvents, activities: Activities, people: Clientele,
                      present: int) -> Interactions:
    """Return every contact before ``present``, oldest first."""
    parts = [
        *around_orders(rng, orders, people),
        notes(rng, people, present),
        complaints_received(complaints, orders, people),
        complaints_settled(events, complaints, people),
        activities_done(activities),
    ]
    everything = Interactions.join(parts)
    kept = np.flatnonzero((everything.at < present)
                          & (everything.at >= people.joined[everything.customer]))
    return everything.take(kept[np.argsort(everything.at[kept], kind="stable")])


def scripted(rng, script: str, customer: np.ndarray, at: np.ndarray, people: Clientele,
             order: np.ndarray | None = None) -> Interactions:
    """Return contacts following ``script``, by whoever serves each customer."""
    kind, direction, outcome = SCRIPTS[script]
    n = len(customer)
    locale = [people.locale[c] for c in customer.tolist()]
    numbers = ([baskets.order_number(o) for o in order.tolist()] if order is not None
               else None)
    return Interactions(
        customer=customer, at=at, staff=people.server(customer), kind=[kind] * n,
        direction=[direction] * n, outcome=[outcome] * n,
        channel=channels(kind, customer, people),
        summary=phrases.pick_all(phrases.CONTACTS, [script] * n, locale, rng.random(n), numbers),
    )


def channels(kind: str, customer: np.ndarray, people: Clientele) -> list[str]:
    """Return the line each contact of ``kind`` went through."""
    if kind == "message":
        return [people.messenger[c] for c in customer.tolist()]
    return [LINES.get(kind, "")] * len(customer)


def around_orders(rng, orders: baskets.Orders, people: Clientele) -> list[Interactions]:
    """Return orders taken by phone, questions while waiting for them, invoices sent."""
    who, n = orders.customer, len(orders.at)
    roll = rng.random((4, n))
    by_phone = (orders.channel == baskets.CHANNELS.index("phone")) & (roll[0] < 0.6)
    asked = people.phone[who] & (orders.status != baskets.CANCELLED) & (roll[1] < 0.05)
    managed = people.managed(who) & people.email[who]
    invoiced = managed & (roll[2] < 0.03)
    checked = managed & (roll[3] < 0.03)
    later = (rng.uniform(0.05, 3, n) * DAY).astype(np.int64)
    parts = []
    for script, chosen, at in [("phone_order", by_phone, orders.at),
                               ("question", asked, orders.at + later),
                               ("invoice", invoiced, orders.at + later // 6),
                               ("email_check", checked, orders.at + 2 * DAY + later)]:
        index = np.flatnonzero(chosen)
        parts.append(scripted(rng, script, who[index], at[index], people, order=index))
    return parts


def notes(rng, people: Clientele, present: int) -> Interactions:
    """Return a note about a few managed customers, some time after they joined."""
    n = len(people.manager)
    customer = np.flatnonzero(people.managed(np.arange(n)) & (rng.random(n) < 0.03))
    at = people.joined[customer] + (rng.random(len(customer))
                                    * (present - people.joined[customer])).astype(np.int64)
    return scripted(rng, "note", customer, at, people)


def complaints_received(c: Complaints, orders: baskets.Orders,
                        people: Clientele) -> Interactions:
    """Return the contact each complaint came in by, with its description."""
    n = len(c.at)
    store = [baskets.STORES[s] if s != baskets.ONLINE else "" for s in
             orders.store[c.order].tolist()]
    channel = [people.messenger[who] if kind == "message" else
               store[i] if kind == "meeting" else LINES[kind]
               for i, (kind, who) in enumerate(zip(c.channel, c.customer.tolist(), strict=True))]
    return Interactions(c.customer, c.at, c.created_by, list(c.channel), ["in"] * n, [""] * n,
                        channel, list(c.description))


def complaints_settled(events: ComplaintEvents, c: Complaints,
                       people: Clientele) -> Interactions:
    """Return the call (or email) telling the customer how their complaint was resolved."""
    index = np.flatnonzero(np.array(events.to_status) == RESOLVED)
    customer = c.customer[events.complaint[index]]
    kind = ["call" if p else "email" if e else "note" for p, e in zip(
        people.phone[customer].tolist(), people.email[customer].tolist(), strict=True)]
    return Interactions(
        customer, events.at[index] + 300, events.by[index], kind,
        ["" if k == "note" else "out" for k in kind], ["resolved"] * len(index),
        [LINES.get(k, "") for k in kind],
        [events.note[i] for i in index.tolist()],
    )


def activities_done(acts: Activities) -> Interactions:
    """Return the call or meeting each done activity was."""
    kinds = acts.kind
    index = np.flatnonzero([s == DONE and k != "task"
                            for s, k in zip(acts.status, kinds, strict=True)])
    kind = [kinds[i] for i in index.tolist()]
    return Interactions(
        acts.customer[index], acts.completed[index], acts.assignee[index], kind,
        ["out" if k == "call" else "" for k in kind],
        [ACTIVITY_OUTCOMES[acts.result[i]] for i in index.tolist()],
        [LINES.get(k, "") for k in kind],
        [acts.outcome[i] for i in index.tolist()],
    )
