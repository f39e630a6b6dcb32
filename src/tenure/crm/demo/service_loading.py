"""Put the simulated everyday work into the tables: complaints with their changes,
activities, interactions, and the surveys with their invitations, emails and answers."""

from __future__ import annotations

from datetime import date
from email.utils import make_msgid

import numpy as np
from django.utils import translation
from django.utils.html import escape

from tenure.crm.customers.models import Customer
from tenure.crm.engagement.models import Activity, Complaint, ComplaintEvent, Interaction
from tenure.crm.feedback.answering import call_back_text
from tenure.crm.feedback.models import Answer, Invitation, Survey, new_token
from tenure.crm.feedback.sending import EMAIL_TEMPLATE, email_context
from tenure.crm.lib import formatting
from tenure.crm.lib.bulk import reset_sequences
from tenure.crm.lib.search import fold
from tenure.crm.messaging.models import Message, MessageStatus
from tenure.crm.messaging.rendering import render_email
from tenure.crm.sales.models import Order

from . import people, surveys
from .agenda import WEEKS_AHEAD
from .desk import DAY
from .loading import SOURCE
from .world import Shop
from .writing import Clock, constant, ids, insert, lookup, next_id, values

MODELS = [Complaint, ComplaintEvent, Activity, Interaction, Message, Invitation, Answer]
REMIND_MINUTES = Activity._meta.get_field("remind_minutes_before").default
# Stand-ins rendered into one survey email per language, then replaced per invitation:
# rendering the templates for each of thousands of invitations would take seconds.
NAME, TOKEN = "Name5e1f0c", "Token5e1f0c"


def load_service(shop: Shop, first: dict, staff: list, progress=None) -> None:
    """Write ``shop.service``; ``first`` holds the first ids of the customers and orders
    written, ``staff`` are the three managers and the support agent."""
    # The planned activities run weeks past the end of the simulated years.
    present_day = shop.service.present // DAY
    clock = Clock(shop.start, max((shop.end - shop.start).days, present_day + 7 * WEEKS_AHEAD))
    first = {**first, **{model: next_id(model) for model in MODELS}}
    staff_ids = [user.pk for user in staff]
    load_complaints(shop, clock, first, staff_ids, progress)
    load_interactions(shop, clock, first, staff_ids, progress)
    survey_ids = ensure_surveys(shop, clock, staff[-1])
    load_invitations(shop, clock, first, survey_ids, progress)
    load_activities(shop, clock, first, staff, progress)
    reset_sequences(*MODELS)


def load_complaints(shop: Shop, clock: Clock, first: dict, staff: list[int], progress) -> None:
    """Write the complaints and every change of them."""
    c, events = shop.service.complaints, shop.service.events
    insert(Complaint, {
        "id": ids(first[Complaint], np.arange(len(c.at))), "source": constant(SOURCE),
        "external_id": lambda part: [f"CMP-{i + 1:05d}" for i in range(part.start, part.stop)],
        "customer": ids(first[Customer], c.customer), "order": ids(first[Order], c.order),
        "category": values(c.category), "severity": values(c.severity),
        "channel": values(c.channel), "description": values(c.description),
        "search_text": lambda part: [fold(text) for text in c.description[part]],
        "status": values(c.status), "assignee": lookup(staff, c.assignee),
        "created_by": lookup(staff, c.created_by), "opened_at": clock.stamps(c.at),
        "due_at": clock.stamps(c.due), "resolved_at": clock.stamps(c.resolved),
        "closed_at": clock.stamps(c.closed), "resolution": values(c.resolution),
    }, len(c.at), progress)
    insert(ComplaintEvent, {
        "id": ids(first[ComplaintEvent], np.arange(len(events.at))),
        "complaint": ids(first[Complaint], events.complaint), "at": clock.stamps(events.at),
        "by": lookup(staff, events.by), "from_status": values(events.from_status),
        "to_status": values(events.to_status), "assignee": lookup(staff, events.assignee),
        "note": values(events.note),
    }, len(events.at), progress)


def load_interactions(shop: Shop, clock: Clock, first: dict, staff: list[int],
                      progress) -> None:
    """Write the contacts with customers."""
    rows = shop.service.interactions
    at = clock.stamps(rows.at)
    insert(Interaction, {
        "id": ids(first[Interaction], np.arange(len(rows.at))), "source": constant(SOURCE),
        "external_id": lambda part: [f"INT-{i + 1:06d}" for i in range(part.start, part.stop)],
        "customer": ids(first[Customer], rows.customer), "kind": values(rows.kind),
        "channel": values(rows.channel), "direction": values(rows.direction),
        "outcome": values(rows.outcome), "summary": values(rows.summary),
        "occurred_at": at, "manager": lookup(staff, rows.staff), "created_at": at,
    }, len(rows.at), progress)


def ensure_surveys(shop: Shop, clock: Clock, support) -> list[int]:
    """Create or reset the demo's surveys; return their ids in ``surveys.SURVEYS`` order."""
    since = clock.moment(shop.service.present - surveys.WINDOW - 86400)
    return [Survey.objects.update_or_create(name=plan.name, defaults={
        "kind": plan.kind, "trigger": plan.trigger, "delay_days": plan.delay_days,
        "min_interval_days": plan.ask_every_days, "valid_days": surveys.VALID_DAYS,
        "follow_up_low_scores": True, "follow_up_assignee": support, "is_active": True,
        "created_at": since,
    })[0].pk for plan in surveys.SURVEYS]


def load_invitations(shop: Shop, clock: Clock, first: dict, survey_ids: list[int],
                     progress) -> None:
    """Write the invitations, the email each one was, and the answers."""
    inv, answers, profiles = shop.service.invitations, shop.service.answers, shop.customers.profiles
    n = len(inv.at)
    tokens = [new_token() for _ in range(n)]
    at = clock.stamps(inv.at)
    subject, text, html = survey_emails(shop, clock, inv, tokens)
    language = [people.LANGUAGES[profiles.locale[c]] for c in inv.customer.tolist()]
    message = np.arange(n)
    insert(Message, {
        "id": ids(first[Message], message), "template": constant(EMAIL_TEMPLATE),
        "language": values(language), "customer": ids(first[Customer], inv.customer),
        "to_email": lambda part: [profiles.email[c] for c in inv.customer[part].tolist()],
        "subject": values(subject), "body_text": values(text), "body_html": values(html),
        "topic": lambda part: [f"survey:{first[Invitation] + i}" for i in range(part.start,
                                                                                 part.stop)],
        "key": lambda part: [f"survey:{first[Invitation] + i}" for i in range(part.start,
                                                                               part.stop)],
        "message_id": lambda part: [make_msgid(domain="tenure") for _ in range(part.start,
                                                                                part.stop)],
        "status": constant(MessageStatus.SENT), "send_after": at, "attempts": constant(1),
        "sent_at": at, "created_at": at,
    }, n, progress)
    occasion = [f"order:{first[Order] + o}" if s == surveys.PURCHASE
                else f"complaint:{first[Complaint] + o}"
                for s, o in zip(inv.survey.tolist(), inv.occasion.tolist(), strict=True)]
    insert(Invitation, {
        "id": ids(first[Invitation], np.arange(n)), "survey": lookup(survey_ids, inv.survey),
        "customer": ids(first[Customer], inv.customer), "token": values(tokens),
        "occasion": values(occasion), "message": ids(first[Message], message),
        "created_at": at, "expires_at": clock.stamps(inv.expires), "sent_by": constant(None),
    }, n, progress)
    kinds = np.array([p.kind for p in surveys.SURVEYS])[inv.survey[answers.invitation]]
    insert(Answer, {
        "id": ids(first[Answer], np.arange(len(answers.at))),
        "invitation": ids(first[Invitation], answers.invitation),
        "customer": ids(first[Customer], answers.customer), "kind": values(kinds),
        "score": values(answers.score), "comment": values(answers.comment),
        "answered_at": clock.stamps(answers.at),
    }, len(answers.at), progress)


def survey_emails(shop: Shop, clock: Clock, inv: surveys.Invitations,
                  tokens: list[str]) -> tuple[list[str], list[str], list[str]]:
    """Return the subject, text and HTML of each invitation's email, in the customer's
    language, as ``feedback.sending`` renders them."""
    profiles = shop.customers.profiles
    templates, dates = {}, {}
    subjects, texts, pages = [], [], []
    for k in range(len(inv.at)):
        customer, survey = int(inv.customer[k]), int(inv.survey[k])
        language = people.LANGUAGES[profiles.locale[customer]]
        if (survey, language) not in templates:
            templates[survey, language] = render_stand_in(survey, language)
        subject, text, html, stand_in_date = templates[survey, language]
        day = clock.local_date(int(inv.expires[k]))
        if (language, day) not in dates:
            with translation.override(language):
                dates[language, day] = formatting.day(day)
        name, token, expires = profiles.name[customer], tokens[k], dates[language, day]
        subjects.append(subject)
        texts.append(text.replace(NAME, name).replace(TOKEN, token)
                     .replace(stand_in_date, expires))
        pages.append(html.replace(NAME, escape(name)).replace(TOKEN, token)
                     .replace(stand_in_date, escape(expires)))
    return subjects, texts, pages


def render_stand_in(survey: int, language: str) -> tuple[str, str, str, str]:
    """Return survey ``survey``'s email rendered for a stand-in customer and invitation,
    and the text of its stand-in expiry date."""
    plan = surveys.SURVEYS[survey]
    stand_in = Survey(name=plan.name, kind=plan.kind, trigger=plan.trigger)
    day = date(2000, 1, 1)
    invitation = Invitation(survey=stand_in, token=TOKEN, expires_at=day)
    context = email_context(invitation, stand_in, Customer(name=NAME))
    subject, text, html = render_email(EMAIL_TEMPLATE, context, language)
    with translation.override(language):
        return subject, text, html, formatting.day(day)


def load_activities(shop: Shop, clock: Clock, first: dict, staff: list, progress) -> None:
    """Write the activities; a call back after a low answer is written as the app plans it."""
    acts, present = shop.service.activities, shop.service.present
    staff_ids = [user.pk for user in staff]
    reminder = acts.due - REMIND_MINUTES * 60
    # Reminders whose time has passed went out then; the worker must not send them now.
    reminded = np.where(reminder < present, reminder, -1)
    subject, notes = call_back_texts(shop, staff)
    created = clock.stamps(acts.created)
    insert(Activity, {
        "id": ids(first[Activity], np.arange(len(acts.due))),
        "customer": ids(first[Customer], acts.customer), "kind": values(acts.kind),
        "subject": values(subject), "notes": values(notes), "due_at": clock.stamps(acts.due),
        "duration_minutes": values(acts.duration), "assignee": lookup(staff_ids, acts.assignee),
        "remind_minutes_before": constant(REMIND_MINUTES),
        "reminder_at": clock.stamps(reminder), "reminded_at": clock.stamps(reminded),
        "status": values(acts.status), "completed_at": clock.stamps(acts.completed),
        "outcome": values(acts.outcome), "reschedules": values(acts.reschedules),
        "origin": lambda part: ["" if a < 0 else f"survey-answer:{first[Answer] + a}"
                                for a in acts.answer[part].tolist()],
        "created_by": lambda part: [None if a >= 0 else staff_ids[s] for a, s in zip(
            acts.answer[part].tolist(), acts.assignee[part].tolist(), strict=True)],
        "created_at": created,
    }, len(acts.due), progress)


def call_back_texts(shop: Shop, staff: list) -> tuple[list[str], list[str]]:
    """Return each activity's subject and notes; a call back's in its assignee's language,
    in ``feedback.answering``'s words."""
    acts, answers, inv = shop.service.activities, shop.service.answers, shop.service.invitations
    subjects, notes = list(acts.subject), [""] * len(acts.due)
    for k in np.flatnonzero(acts.answer >= 0).tolist():
        a = int(acts.answer[k])
        survey = surveys.SURVEYS[int(inv.survey[answers.invitation[a]])]
        user = staff[int(acts.assignee[k])]
        with translation.override(user.message_language):
            subjects[k], notes[k] = call_back_text(
                customer=shop.customers.profiles.name[int(answers.customer[a])],
                kind=survey.kind.upper(), score=int(answers.score[a]), survey=survey.name,
                comment=answers.comment[a])
    return subjects, notes
