"""Who is asked a survey, when, and what the email says."""

from __future__ import annotations

import re
from datetime import date, timedelta

import time_machine
from django.test.utils import override_settings

from tenure.crm.engagement.models import Complaint, ComplaintCategory, ComplaintStatus
from tenure.crm.feedback.models import Invitation, SurveyKind, SurveyTrigger
from tenure.crm.feedback.sending import SurveyNotSent, queue_due_surveys, send_survey_now
from tenure.crm.feedback.tests.base import NOW, FeedbackTestCase
from tenure.crm.insights.models import CustomerSnapshot
from tenure.crm.messaging.models import Message
from tenure.crm.sales.models import OrderStatus


@time_machine.travel(NOW, tick=False)
class SendingTestCase(FeedbackTestCase):
    def setUp(self):
        self.survey = self.make_survey()
        self.olena = self.make_customer("Olena")

    def invited(self) -> list[tuple[str, str]]:
        return sorted(Invitation.objects.values_list("customer__name", "occasion"))

    def test_it_asks_once_the_delay_after_the_purchase_has_passed(self):
        order = self.order(self.olena, days_ago=3)
        self.order(self.make_customer("Petro"), days_ago=2.9)
        self.assertEqual(queue_due_surveys().done, 1)
        self.assertEqual(self.invited(), [("Olena", f"order:{order.pk}")])

    def test_it_does_not_mail_the_whole_history(self):
        self.order(self.olena, days_ago=3 + 8)
        self.assertEqual(queue_due_surveys().done, 0)

    def test_it_leaves_cancelled_orders_out(self):
        self.order(self.olena, days_ago=4, status=OrderStatus.CANCELLED)
        self.assertEqual(queue_due_surveys().done, 0)

    def test_it_asks_only_customers_who_agree_to_emails_and_have_an_address(self):
        self.order(self.make_customer("Petro", consent_email=False), days_ago=4)
        self.order(self.make_customer("Ivan", email=""), days_ago=4)
        self.order(self.olena, days_ago=4)
        queue_due_surveys()
        self.assertEqual([name for name, _ in self.invited()], ["Olena"])

    def test_it_asks_a_customer_at_most_once_in_the_interval_whichever_survey_asked(self):
        other = self.make_survey(name="Support", kind=SurveyKind.CSAT)
        petro = self.make_customer("Petro")
        self.invite(other, self.olena, created_at=NOW - timedelta(days=89))
        self.invite(other, petro, created_at=NOW - timedelta(days=91))
        self.order(self.olena, days_ago=4)
        self.order(petro, days_ago=4)
        self.assertEqual(queue_due_surveys().done, 1)
        self.assertEqual(list(self.survey.invitations.values_list("customer__name", flat=True)),
                         ["Petro"])

    def test_running_it_twice_queues_once(self):
        self.order(self.olena, days_ago=4)
        self.assertEqual(queue_due_surveys().done, 1)
        self.assertEqual(queue_due_surveys().done, 0)
        self.assertEqual((Invitation.objects.count(), Message.objects.count()), (1, 1))

    def test_it_asks_once_per_occasion_even_without_an_interval(self):
        self.survey.min_interval_days = 0
        self.survey.save()
        self.order(self.olena, days_ago=4)
        queue_due_surveys()
        with time_machine.travel(NOW + timedelta(days=1), tick=False):
            self.assertEqual(queue_due_surveys().done, 0)
        self.assertEqual(Invitation.objects.count(), 1)

    def test_it_asks_about_the_newest_purchase_only(self):
        self.order(self.olena, days_ago=6)
        newest = self.order(self.olena, days_ago=4)
        self.assertEqual(queue_due_surveys().done, 1)
        self.assertEqual(self.invited(), [("Olena", f"order:{newest.pk}")])

    def test_it_asks_after_a_complaint_is_resolved(self):
        self.survey.trigger = SurveyTrigger.AFTER_COMPLAINT
        self.survey.save()
        resolved = self.complaint(self.olena, ComplaintStatus.RESOLVED, days_ago=4)
        self.complaint(self.make_customer("Petro"), ComplaintStatus.IN_PROGRESS, days_ago=4)
        self.complaint(self.make_customer("Ivan"), ComplaintStatus.CLOSED, days_ago=1)
        queue_due_surveys()
        self.assertEqual(self.invited(), [("Olena", f"complaint:{resolved.pk}")])

    def complaint(self, customer, status, days_ago):
        # The in-progress one was resolved once and reopened: it keeps its resolution time.
        return Complaint.objects.create(
            customer=customer, category=ComplaintCategory.DELIVERY, description="Late",
            status=status, due_at=NOW, resolved_at=NOW - timedelta(days=days_ago),
        )

    def test_it_asks_customers_whose_latest_segment_is_the_stage(self):
        self.survey.trigger, self.survey.stage = SurveyTrigger.STAGE, "champions"
        self.survey.save()
        petro = self.make_customer("Petro")
        today, before = date(2026, 3, 5), date(2026, 2, 5)
        self.snapshot(self.olena, today, "champions")
        self.snapshot(petro, before, "champions")
        self.snapshot(petro, today, "loyal")
        self.assertEqual(queue_due_surveys().done, 1)
        self.assertEqual(self.invited(), [("Olena", "stage:champions:2026-03-05")])

    def test_it_does_not_ask_from_a_stale_snapshot(self):
        self.survey.trigger, self.survey.stage = SurveyTrigger.STAGE, "champions"
        self.survey.save()
        self.snapshot(self.olena, date(2026, 2, 1), "champions")
        self.assertEqual(queue_due_surveys().done, 0)

    def snapshot(self, customer, taken_on, segment):
        CustomerSnapshot.objects.create(customer=customer, taken_on=taken_on, segment=segment)

    def test_it_skips_paused_surveys(self):
        self.survey.is_active = False
        self.survey.save()
        self.order(self.olena, days_ago=4)
        self.assertEqual(queue_due_surveys().done, 0)

    def test_it_finds_the_due_customers_without_a_query_per_customer(self):
        for i in range(20):
            self.order(self.make_customer(f"Refuses{i}", consent_email=False), days_ago=4)
        # The active surveys, then one query for this survey's candidates.
        with self.assertNumQueries(2):
            self.assertEqual(queue_due_surveys().done, 0)

    @override_settings(TENURE_BASE_URL="https://shop.example")
    def test_the_email_has_one_link_per_score_in_the_customers_language(self):
        self.olena.language = "uk"
        self.olena.save()
        self.order(self.olena, days_ago=4)
        queue_due_surveys()
        invitation = Invitation.objects.get()
        message = invitation.message
        self.assertEqual((message.to_email, message.language, message.customer, message.key,
                          message.topic),
                         ("olena@example.org", "uk", self.olena, f"survey:{invitation.pk}",
                          f"survey:{invitation.pk}"))
        links = [f"https://shop.example/s/{invitation.token}/{s}/" for s in range(11)]
        self.assertEqual(re.findall(r'href="([^"]+)"', message.body_html)[:11], links)
        stop = f"https://shop.example/s/{invitation.token}/stop/"
        self.assertEqual(re.findall(r"https://\S+", message.body_text), [*links, stop])
        self.assertIn(f'href="{stop}"', message.body_html)
        self.assertIn("Наскільки ймовірно, що ви порекомендуєте нас", message.body_text)
        self.assertIn("Посилання діють до 5 квіт. 2026\u202fр. включно", message.body_text)
        self.assertEqual(invitation.expires_at, NOW + timedelta(days=30))


@time_machine.travel(NOW, tick=False)
class SendByHandTestCase(FeedbackTestCase):
    def setUp(self):
        self.survey = self.make_survey(kind=SurveyKind.CSAT)
        self.olena = self.make_customer("Olena")

    def test_it_sends_at_once_and_remembers_who_sent_it(self):
        invitation = send_survey_now(self.survey, self.olena, by=self.manager)
        self.assertEqual((invitation.sent_by, invitation.customer), (self.manager, self.olena))
        self.assertEqual(invitation.message.customer, self.olena)
        self.assertIn(f"/s/{invitation.token}/5/", invitation.message.body_html)

    def test_it_refuses_without_consent_or_address(self):
        for fields, reason in (({"consent_email": False}, "does not agree to receive emails"),
                               ({"email": ""}, "has no email address")):
            customer = self.make_customer("Petro", **fields)
            with self.assertRaisesMessage(SurveyNotSent, reason):
                send_survey_now(self.survey, customer, by=self.manager)
            customer.delete()
        self.assertFalse(Invitation.objects.exists())

    def test_it_refuses_a_customer_asked_within_the_interval(self):
        self.invite(self.make_survey(name="Other"), self.olena,
                    created_at=NOW - timedelta(days=10))
        with self.assertRaisesMessage(SurveyNotSent, "at most once in 90 days"):
            send_survey_now(self.survey, self.olena, by=self.manager)
        self.assertEqual(Invitation.objects.count(), 1)

    def test_a_double_click_sends_once(self):
        self.survey.min_interval_days = 0
        self.survey.save()
        send_survey_now(self.survey, self.olena, by=self.manager)
        with self.assertRaisesMessage(SurveyNotSent, "was just sent"):
            send_survey_now(self.survey, self.olena, by=self.manager)
        self.assertEqual(Message.objects.count(), 1)
