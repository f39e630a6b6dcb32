"""The optional tables the churn features read, canonical and validated at the edge.

Besides the transactions and the feedback answers (`tenure.analytics.frames`), the churn
model reads four tables when the business has them; each becomes an Ibis table with these
canonical columns (headers are matched by name or by the synonyms below, values parsed and
checked as `tenure.analytics.frames` does for transactions):

- **complaints**: ``customer_id`` (string), ``opened_at`` (timestamp), ``resolved_at``
  (timestamp, empty while the complaint is open), optional ``category``, ``severity``;
- **interactions** (calls, emails, meetings, chats): ``customer_id``, ``time``, optional
  ``channel`` and ``direction`` ('in' / 'inbound' / 'incoming' for contacts the customer
  started; anything else counts as outbound);
- **messages** (campaign messages sent to the customer): ``customer_id``, ``sent_at``,
  ``responded_at`` (empty when there was no response: an open, a click or a purchase,
  whatever the campaign counts);
- **subscriptions** (contracts): ``customer_id``, ``start``, ``end`` (empty for an
  open-ended contract). A contract is active at time t when ``start <= t < end``.

A table that lacks a required column raises `InputError` naming the column, the columns
found and how to map them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import ibis.expr.types as ir

from ..columns import FEEDBACK
from ..exceptions import InputError

# frames keeps the reading machinery (files, synonyms, parsing, validation) private; these
# tables are read by the same code rather than a copy of it.
from ..frames import FEEDBACK as _FEEDBACK_SPEC
from ..frames import _canonical, _Spec

_CUSTOMER = FEEDBACK["customer_id"]

COMPLAINTS = _Spec(
    "complaints",
    {"customer_id": _CUSTOMER,
     "opened_at": ("opened", "opened at", "created", "created at", "date", "time",
                   "дата", "дата жалобы", "дата скарги", "открыта", "відкрита"),
     "resolved_at": ("resolved", "resolved at", "closed", "closed at", "решена",
                     "дата решения", "закрыта", "вирішена", "дата вирішення", "закрита"),
     "category": ("category", "type", "topic", "категория", "категорія", "тема"),
     "severity": ("severity", "priority", "важность", "приоритет", "важливість",
                  "пріоритет")},
    ("customer_id", "opened_at"),
    {"customer_id": "string", "opened_at": "time", "resolved_at": "time",
     "category": "string", "severity": "string"},
)
INTERACTIONS = _Spec(
    "interactions",
    {"customer_id": _CUSTOMER,
     "time": ("date", "time", "datetime", "created at", "дата", "дата контакта",
              "дата контакту"),
     "channel": ("channel", "type", "канал", "тип"),
     "direction": ("direction", "inbound", "направление", "напрямок")},
    ("customer_id", "time"),
    {"customer_id": "string", "time": "time", "channel": "string", "direction": "string"},
)
MESSAGES = _Spec(
    "messages",
    {"customer_id": _CUSTOMER,
     "sent_at": ("sent", "sent at", "date", "time", "дата отправки", "отправлено",
                 "дата відправки", "надіслано"),
     "responded_at": ("responded", "responded at", "response", "response at", "clicked",
                      "clicked at", "ответ", "дата ответа", "відповідь",
                      "дата відповіді")},
    ("customer_id", "sent_at"),
    {"customer_id": "string", "sent_at": "time", "responded_at": "time"},
)
SUBSCRIPTIONS = _Spec(
    "subscriptions",
    {"customer_id": _CUSTOMER,
     "start": ("start", "starts", "start date", "from", "valid from", "начало",
               "дата начала", "початок", "дата початку"),
     "end": ("end", "ends", "end date", "to", "until", "valid to", "окончание",
             "дата окончания", "кінець", "дата закінчення")},
    ("customer_id", "start"),
    {"customer_id": "string", "start": "time", "end": "time"},
)

#: Columns that may hold empty values but must be there: an empty value means something.
NULLABLE = {"complaints": ("resolved_at",), "messages": ("responded_at",),
            "subscriptions": ("end",)}

#: Direction values that mean the customer started the contact.
INBOUND = ("in", "inbound", "incoming", "входящий", "входящее", "вхідний", "вхідне")

Columns = Mapping[str, str] | Sequence[str | None] | None


def complaints(source: Any, *, con: Any = None, columns: Columns = None) -> ir.Table:
    """Return the canonical complaints table: ``customer_id, opened_at, resolved_at``.

    Optional ``category`` and ``severity`` are kept. ``resolved_at`` must be present as a
    column; its empty values mean "still open". Parameters as in
    `tenure.analytics.frames.transactions`.
    """
    return _with_nullable(_canonical(source, COMPLAINTS, con, columns), COMPLAINTS)


def interactions(source: Any, *, con: Any = None, columns: Columns = None) -> ir.Table:
    """Return the canonical interactions table: ``customer_id, time``, optional
    ``channel`` and ``direction``. Parameters as in `tenure.analytics.frames.transactions`.
    """
    return _canonical(source, INTERACTIONS, con, columns)


def messages(source: Any, *, con: Any = None, columns: Columns = None) -> ir.Table:
    """Return the canonical campaign messages table: ``customer_id, sent_at, responded_at``.

    Empty ``responded_at`` means no response. Parameters as in
    `tenure.analytics.frames.transactions`.
    """
    return _with_nullable(_canonical(source, MESSAGES, con, columns), MESSAGES)


def subscriptions(source: Any, *, con: Any = None, columns: Columns = None) -> ir.Table:
    """Return the canonical subscriptions table: ``customer_id, start, end``.

    Empty ``end`` means an open-ended contract. Parameters as in
    `tenure.analytics.frames.transactions`.
    """
    return _with_nullable(_canonical(source, SUBSCRIPTIONS, con, columns), SUBSCRIPTIONS)


def feedback(source: Any, *, con: Any = None, columns: Columns = None) -> ir.Table:
    """Return the canonical feedback table (`tenure.analytics.frames.feedback`).

    An Ibis table is checked for the canonical columns and its ``kind`` lower-cased.
    """
    table = _canonical(source, _FEEDBACK_SPEC, con, columns)
    return table.mutate(kind=table.kind.strip().lower())


def _with_nullable(table: ir.Table, spec: _Spec) -> ir.Table:
    """Return ``table`` when it has the columns whose empty values mean something."""
    missing = [c for c in NULLABLE[spec.kind] if c not in table.columns]
    if missing:
        raise InputError(
            f"no column {', '.join(missing)} (it may be empty where "
            f"{_MEANING[missing[0]]}, but it must be there). The columns recognised are: "
            f"{', '.join(table.columns)}. Add the column or map it, e.g. "
            f"columns={{'Header': '{missing[0]}'}}.")
    return table


_MEANING = {"resolved_at": "a complaint is still open",
            "responded_at": "there was no response",
            "end": "a contract is open-ended"}

_READERS = {"complaints": complaints, "interactions": interactions, "messages": messages,
            "subscriptions": subscriptions, "feedback": feedback}


def read_optional(kind: str, source: Any, con: Any) -> ir.Table | None:
    """Return the canonical ``kind`` table of ``source``, or None when it is not given.

    Raises
    ------
    InputError
        ``source`` lacks a required column or holds values that do not parse.
    """
    if source is None:
        return None
    try:
        return _READERS[kind](source, con=con)
    except InputError as exc:
        raise InputError(f"{kind}: {exc}") from exc
