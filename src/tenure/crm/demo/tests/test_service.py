from __future__ import annotations

import hashlib
import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from functools import partial

import time_machine
from django.conf import settings
from django.utils import timezone

from tenure.crm.accounts.models import User
from tenure.crm.customers.models import Customer
from tenure.crm.demo.shop import build_demo_shop
from tenure.crm.engagement.agenda import agenda_sections
from tenure.crm.engagement.models import (
    COMPLAINT_TRANSITIONS,
    Activity,
    ActivityStatus,
    Complaint,
    ComplaintEvent,
    ComplaintSla,
    ComplaintStatus,
    Interaction,
)
from tenure.crm.feedback.answering import next_working_morning
from tenure.crm.feedback.models import Answer, Invitation, Survey
from tenure.crm.feedback.sending import email_context, queue_due_surveys
from tenure.crm.messaging.models import Message, MessageStatus
from tenure.crm.messaging.rendering import render_email
from tenure.crm.sales.models import Order
from tenure.crm.testing import TenureTestCase

END = date(2025, 6, 30)
NOW = datetime(2025, 6, 30, 11, 20, tzinfo=UTC)  # a Monday
CYRILLIC = re.compile("[а-яА-ЯёЁіїєґІЇЄҐ]")
MANAGERS = ["manager1", "manager2", "manager3"]
#: The shops built to compare one seed with itself.
SAME_SEED_CUSTOMERS = 150


def service_digest() -> str:
    """Return a digest of the demo's complaints, contacts, activities and surveys by their
    natural keys (ids may differ from build to build)."""
    h = hashlib.sha256()
    demo = {"customer__source": "demo"}
    for rows in [
        Complaint.objects.filter(**demo).values_list(
            "external_id", "customer__external_id", "order__external_id", "category", "severity",
            "channel", "status", "assignee__username", "opened_at", "due_at", "resolved_at",
            "closed_at", "description", "resolution"),
        ComplaintEvent.objects.filter(complaint__customer__source="demo").values_list(
            "complaint__external_id", "at", "by__username", "from_status", "to_status",
            "assignee__username", "note"),
        Interaction.objects.filter(**demo).values_list(
            "external_id", "customer__external_id", "kind", "channel", "direction", "outcome",
            "summary", "occurred_at", "manager__username"),
        Activity.objects.filter(**demo).values_list(
            "customer__external_id", "kind", "subject", "notes", "due_at", "assignee__username",
            "status", "completed_at", "outcome", "reminded_at"),
        Invitation.objects.filter(**demo).values_list(
            "customer__external_id", "survey__name", "created_at", "message__subject"),
        Answer.objects.filter(**demo).values_list(
            "customer__external_id", "invitation__created_at", "score", "comment",
            "answered_at"),
    ]:
        for row in sorted(rows, key=repr):
            h.update(repr(row).encode())
    return h.hexdigest()


class ServiceTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        build_demo_shop(customers=600, seed=7, end_date=END, now=NOW)
        cls.support = User.objects.get(username="support")

    def test_it_makes_complaints_about_orders_due_within_their_sla(self):
        complaints = list(Complaint.objects.filter(source="demo").select_related("order"))
        orders = Order.objects.filter(source="demo").count()
        self.assertTrue(0.01 * orders < len(complaints) < 0.06 * orders)
        for c in complaints:
            self.assertEqual(c.due_at, c.opened_at + timedelta(hours=ComplaintSla.hours_for(
                c.severity)))
            self.assertEqual(c.order.customer_id, c.customer_id)
            self.assertTrue(c.order.ordered_at < c.opened_at < NOW)
            self.assertTrue(c.description)
            if c.is_open:
                self.assertEqual((c.resolved_at, c.closed_at, c.resolution), (None, None, ""))
            else:
                self.assertTrue(c.opened_at < c.resolved_at < NOW)
                self.assertTrue(c.resolution)
            if c.status == ComplaintStatus.CLOSED:
                self.assertTrue(c.resolved_at < c.closed_at < NOW)
        statuses = Counter(c.status for c in complaints)
        self.assertGreater(statuses[ComplaintStatus.RESOLVED] + statuses[ComplaintStatus.CLOSED],
                           0.85 * len(complaints))
        self.assertGreater(statuses[ComplaintStatus.CLOSED], 0)
        breached = Complaint.objects.filter(source="demo").breached(NOW).count()
        self.assertTrue(0 < breached < 0.4 * len(complaints))

    def test_it_records_each_change_of_a_complaint_with_who_and_when(self):
        events = {}
        for event in ComplaintEvent.objects.filter(complaint__source="demo").order_by("at", "id"):
            events.setdefault(event.complaint_id, []).append(event)
        complaints = Complaint.objects.filter(source="demo")
        self.assertEqual(set(events), set(complaints.values_list("pk", flat=True)))
        for c in complaints:
            first, *changes = events[c.pk]
            self.assertEqual((first.at, first.from_status, first.to_status, first.by_id),
                             (c.opened_at, "", ComplaintStatus.NEW, c.created_by_id))
            status = first.to_status
            for event in changes:
                self.assertIsNotNone(event.by_id)
                if event.to_status != status:
                    self.assertEqual(event.from_status, status)
                    self.assertIn(event.to_status, COMPLAINT_TRANSITIONS[status])
                status = event.to_status
                if status == ComplaintStatus.RESOLVED:
                    self.assertTrue(event.note)
            self.assertEqual(status, c.status)
            self.assertEqual(changes[-1].assignee_id if changes else first.assignee_id,
                             c.assignee_id)
            if not c.is_open:
                resolved = [e for e in changes if e.to_status == ComplaintStatus.RESOLVED]
                self.assertEqual((resolved[-1].at, resolved[-1].note),
                                 (c.resolved_at, c.resolution))

    def test_it_gives_each_customers_activities_to_their_manager(self):
        activities = list(Activity.objects.filter(customer__source="demo")
                          .select_related("customer"))
        for a in activities:
            if a.customer.manager_id:
                self.assertEqual(a.assignee_id, a.customer.manager_id)
            else:
                self.assertEqual(a.assignee, self.support)
                self.assertTrue(a.origin.startswith("survey-answer:"))
            self.assertEqual(a.reminder_at, a.due_at - timedelta(minutes=30))
            self.assertEqual(a.reminded_at is not None, a.reminder_at <= NOW)
            self.assertEqual(a.completed_at is None, a.status == ActivityStatus.PLANNED)
            if a.completed_at:
                self.assertTrue(a.created_at <= a.completed_at < NOW)
                self.assertTrue(a.outcome)
        done = [a for a in activities if a.status == ActivityStatus.DONE]
        late = [a for a in done if not a.done_on_time]
        self.assertTrue(0.05 * len(done) < len(late) < 0.4 * len(done))
        self.assertTrue(any(a.status == ActivityStatus.CANCELLED for a in activities))

    def test_it_fills_every_managers_agenda(self):
        for username in MANAGERS:
            sections = {s.key: s.activities for s in agenda_sections(
                Activity.objects.filter(assignee__username=username), now=NOW)}
            self.assertGreaterEqual(len(sections["overdue"]), 1)
            self.assertGreaterEqual(len(sections["today"]), 2)
            self.assertGreaterEqual(len(sections["week"]) + len(sections["later"]), 10)
            for activity in sections["today"]:
                self.assertEqual(activity.due_at.date(), NOW.date())

    def test_it_logs_contacts_before_now_in_the_customers_language(self):
        contacts = list(Interaction.objects.filter(source="demo").select_related("customer"))
        for contact in contacts:
            self.assertTrue(contact.customer.created_at <= contact.occurred_at < NOW)
            self.assertIn(contact.manager_id, {contact.customer.manager_id, self.support.pk})
            self.assertTrue(contact.summary)
            english = contact.customer.language == "en"
            self.assertEqual(not CYRILLIC.search(contact.summary), english, contact.summary)
        self.assertEqual({c.kind for c in contacts}, {"call", "email", "meeting", "message",
                                                       "note"})
        self.assertEqual({c.direction for c in contacts}, {"in", "out", ""})
        self.assertTrue({"Phone", "Telegram", "Viber"} <= {c.channel for c in contacts})
        self.assertTrue({"ordered", "resolved", "no_answer"} <= {c.outcome for c in contacts})

    def test_it_sets_each_customers_language_as_their_country_speaks(self):
        prefixes = {"uk": "+380", "ru": "+7", "en": "+1"}
        customers = list(Customer.objects.filter(source="demo"))
        self.assertEqual({c.language for c in customers}, set(prefixes))
        for customer in customers:
            if customer.phone:
                self.assertTrue(customer.phone.startswith(prefixes[customer.language]))

    def test_it_sets_up_a_purchase_and_a_complaint_survey(self):
        surveys = {s.trigger: s for s in Survey.objects.all()}
        self.assertEqual((surveys["purchase"].kind, surveys["purchase"].delay_days), ("nps", 3))
        self.assertEqual(surveys["complaint"].kind, "csat")
        for survey in surveys.values():
            self.assertTrue(survey.is_active and survey.follow_up_low_scores)
            self.assertEqual(survey.follow_up_assignee, self.support)
            self.assertTrue(survey.invitations.exists())

    def test_it_sends_each_invitation_as_an_email_to_a_consenting_customer(self):
        invitations = list(Invitation.objects.filter(customer__source="demo").select_related(
            "message", "customer", "survey"))
        self.assertGreater(len(invitations), 50)
        for inv in invitations:
            message, customer = inv.message, inv.customer
            self.assertTrue(customer.consent_email)
            self.assertTrue(NOW - timedelta(days=366) < inv.created_at < NOW)
            self.assertEqual(inv.expires_at, inv.created_at + timedelta(days=30))
            self.assertEqual((message.status, message.template, message.customer_id),
                             (MessageStatus.SENT, "survey", customer.pk))
            self.assertEqual((message.to_email, message.language), (customer.email,
                                                                    customer.language))
            self.assertEqual((message.sent_at, message.created_at), (inv.created_at,
                                                                     inv.created_at))
            self.assertEqual(message.topic, f"survey:{inv.pk}")
            self.check_occasion(inv)
        # The demo's other emails are its campaigns' (test_campaigns).
        messages = Message.objects.filter(customer__source="demo").exclude(template="campaign")
        self.assertEqual(messages.count(), len(invitations))
        self.assertEqual(len(set(messages.values_list("message_id", flat=True))),
                         len(invitations))

    def check_occasion(self, inv: Invitation) -> None:
        kind, pk = inv.occasion.split(":")
        if kind == "order":
            order = Order.objects.get(pk=pk)
            self.assertEqual(order.customer_id, inv.customer_id)
            self.assertGreaterEqual(inv.created_at, order.ordered_at + timedelta(days=3))
        else:
            complaint = Complaint.objects.get(pk=pk)
            self.assertEqual(complaint.customer_id, inv.customer_id)
            self.assertGreaterEqual(inv.created_at, complaint.resolved_at + timedelta(days=1))

    def test_it_writes_the_survey_emails_as_the_app_renders_them(self):
        for language in ["uk", "ru", "en"]:
            for inv in Invitation.objects.filter(customer__language=language).select_related(
                    "message", "customer", "survey")[:3]:
                expected = render_email("survey", email_context(inv, inv.survey, inv.customer),
                                        language)
                self.assertEqual((inv.message.subject, inv.message.body_text,
                                  inv.message.body_html), expected)
                self.assertIn(settings.TENURE_BASE_URL + inv.get_score_url(0),
                              inv.message.body_text)

    def test_it_answers_about_a_third_of_the_invitations(self):
        answers = list(Answer.objects.filter(customer__source="demo").select_related(
            "invitation__survey"))
        invitations = Invitation.objects.filter(customer__source="demo").count()
        self.assertTrue(0.25 * invitations < len(answers) < 0.45 * invitations)
        for answer in answers:
            inv = answer.invitation
            self.assertEqual((answer.customer_id, answer.kind), (inv.customer_id,
                                                                 inv.survey.kind))
            self.assertTrue(inv.survey.in_scale(answer.score))
            self.assertTrue(inv.created_at < answer.answered_at < min(inv.expires_at, NOW))
        commented = sum(bool(a.comment) for a in answers)
        self.assertTrue(0.2 * len(answers) < commented < 0.7 * len(answers))
        self.assertEqual({a.tone for a in answers}, {"low", "mid", "high"})

    def test_it_plans_a_call_back_after_each_low_answer(self):
        low = 0
        for answer in Answer.objects.filter(customer__source="demo").select_related(
                "invitation__survey", "customer"):
            calls = list(Activity.objects.filter(origin=answer.follow_up_origin))
            if not answer.invitation.survey.is_low(answer.score):
                self.assertEqual(calls, [])
                continue
            low += 1
            self.assertEqual(len(calls), 1)
            call = calls[0]
            self.assertEqual(call.customer_id, answer.customer_id)
            self.assertEqual(call.assignee_id, answer.customer.manager_id or self.support.pk)
            self.assertEqual(call.due_at, next_working_morning(answer.answered_at))
            self.assertIn(str(answer.score), call.subject)
        self.assertGreater(low, 0)

    def test_it_leaves_no_survey_for_the_worker_to_send_again(self):
        self.assertEqual(queue_due_surveys(now=NOW).done, 0)


class SameSeedTestCase(TenureTestCase):
    """Builds of their own, into a database without a demo shop to delete first."""

    def test_it_gives_the_same_work_for_the_same_seed_and_moment(self):
        # Sameness needs no size: a smaller shop than ServiceTestCase's, each part of the
        # digest present in it so that no comparison is between empty lists.
        build = partial(build_demo_shop, customers=SAME_SEED_CUSTOMERS, end_date=END)
        build(seed=7, now=NOW)
        demo = {"customer__source": "demo"}
        for model in (Complaint, Interaction, Activity, Invitation, Answer):
            self.assertTrue(model.objects.filter(**demo).exists(), model.__name__)
        self.assertTrue(ComplaintEvent.objects.filter(complaint__customer__source="demo")
                        .exists())
        first = service_digest()
        build(seed=7, now=NOW)
        self.assertEqual(service_digest(), first)
        build(seed=7, now=NOW + timedelta(days=1))
        self.assertNotEqual(service_digest(), first)
        build(seed=8, now=NOW)
        self.assertNotEqual(service_digest(), first)


class BuildTimeTestCase(TenureTestCase):
    def test_it_plans_todays_calls_after_the_moment_of_the_build(self):
        for hour in (8, 17, 22):
            moment = datetime(2025, 3, 12, hour, 40, tzinfo=UTC)
            with time_machine.travel(moment, tick=False):
                build_demo_shop(customers=90, seed=3)
                self.assertEqual(timezone.localdate(), moment.date())
            for username in MANAGERS:
                today = agenda_sections(Activity.objects.filter(assignee__username=username),
                                        now=moment)[1].activities
                self.assertTrue(today, (hour, username))
                for activity in today:
                    self.assertEqual(activity.due_at.date(), moment.date())
