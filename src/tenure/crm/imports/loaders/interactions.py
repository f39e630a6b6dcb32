"""Load interactions (calls, emails, meetings, messages, notes): upsert by (source, id).

The customer must already exist: found as ``matching`` says (their id in the source,
an alias, another source's id, their email or phone); a contact with a customer found
nowhere is rejected, not created. A row describes the whole interaction: an empty
or unmapped column clears its field.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from tenure.crm.engagement.models import Direction, Interaction, InteractionKind, Outcome

from ..parsing import parse_choice, parse_datetime, parse_text
from ..rows import Rows
from .base import Context, Counts, reject_repeats, upsert_by_external_id, user_finder
from .matching import Contacts, find_customers

KINDS = {
    InteractionKind.CALL: ("phone call", "phone", "звонок", "дзвінок", "телефон"),
    InteractionKind.EMAIL: ("e-mail", "mail", "letter", "письмо", "лист", "почта", "пошта"),
    InteractionKind.MEETING: ("visit", "встреча", "зустріч", "визит", "візит"),
    InteractionKind.MESSAGE: ("chat", "sms", "messenger", "сообщение", "повідомлення", "чат",
                              "смс", "мессенджер", "месенджер"),
    InteractionKind.NOTE: ("comment", "заметка", "нотатка", "примечание", "примітка",
                           "комментарий", "коментар"),
}
DIRECTIONS = {
    Direction.INBOUND: ("inbound", "incoming", "входящий", "входящее", "входящая", "вхідний",
                        "вхідне", "вхідна", "вх"),
    Direction.OUTBOUND: ("outbound", "outgoing", "исходящий", "исходящее", "исходящая",
                         "вихідний", "вихідне", "вихідна", "исх", "вих"),
}
OUTCOMES = {
    Outcome.REACHED: ("answered", "talked", "дозвонился", "поговорили", "додзвонився",
                      "поговорили", "состоялся", "відбувся"),
    Outcome.NO_ANSWER: ("no answer", "not reached", "не ответил", "не дозвонился", "недозвон",
                        "не відповів", "не додзвонився"),
    Outcome.CALLBACK: ("call back", "asked to call back", "перезвонить", "перезвонить позже",
                       "передзвонити"),
    Outcome.INTERESTED: ("интересно", "заинтересован", "зацікавлений", "цікаво"),
    Outcome.NOT_INTERESTED: ("не интересно", "не заинтересован", "отказ", "не цікаво",
                             "не зацікавлений", "відмова"),
    Outcome.ORDERED: ("order placed", "placed an order", "заказал", "оформил заказ", "замовив",
                      "оформив замовлення"),
    Outcome.RESOLVED: ("issue resolved", "решено", "вопрос решен", "вирішено",
                       "питання вирішено"),
}
parse_kind = parse_choice(KINDS, _("unknown kind (call, email, meeting, message or note)"))
parse_direction = parse_choice(DIRECTIONS, _("unknown direction (inbound or outbound)"))
parse_outcome = parse_choice(OUTCOMES, _("unknown outcome"))

# Model field -> parser of the file field of the same name, and the value of an empty cell.
OPTIONAL = {
    "channel": (parse_text(64), ""),
    "direction": (parse_direction, ""),
    "outcome": (parse_outcome, ""),
    "summary": (str, ""),
}
FIELDS = ["customer", "kind", "occurred_at", *OPTIONAL, "manager"]


def load(rows: Rows, ctx: Context) -> Counts:
    """Insert new interactions, update changed ones."""
    ids = rows.parse("external_id", parse_text(64), required=True)
    refs = rows.parse("customer", parse_text(64), required=True)
    contacts = Contacts(rows)
    cols = {
        "kind": rows.parse("kind", parse_kind, required=True),
        "occurred_at": rows.parse("occurred_at", parse_datetime, required=True),
        **{name: rows.parse(name, parser) for name, (parser, _empty) in OPTIONAL.items()},
        "manager": rows.parse("manager", user_finder()),
    }
    found = find_customers(rows, ctx, refs, contacts, create=False)
    cols["customer"] = [found.ids.get(ref) for ref in refs]
    reject_repeats(rows, ids, "external_id")
    records = {ids[i]: tuple(_value(name, cols[name][i]) for name in FIELDS)
               for i in rows.good()}
    _, changes = upsert_by_external_id(Interaction, FIELDS, records, ctx)
    return Counts(len(changes.new), len(changes.changed), len(changes.same),
                  matched=found.matched)


def _value(name: str, value):
    if value is None and name in OPTIONAL:
        return OPTIONAL[name][1]
    return value
