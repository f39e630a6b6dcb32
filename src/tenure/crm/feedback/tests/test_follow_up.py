"""Closing the loop: a low score plans a call back for the customer's manager."""

from __future__ import annotations

from datetime import UTC, datetime

import time_machine

from tenure.crm.engagement.models import Activity, ActivityKind
from tenure.crm.feedback.models import Answer, SurveyKind
from tenure.crm.messaging.models import Notification

from .base import NOW, FeedbackTestCase

MONDAY_MORNING = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)


@time_machine.travel(NOW, tick=False)
class FollowUpTestCase(FeedbackTestCase):
    def setUp(self):
        self.olena = self.make_customer("Olena")

    def answer(self, score: int, customer=None, **survey_fields):
        survey = self.make_survey(**survey_fields)
        invitation = self.invite(survey, customer or self.olena)
        self.client.get(invitation.get_score_url(score))
        return invitation

    def test_a_detractor_gets_a_call_back_from_their_manager_on_the_next_working_day(self):
        self.answer(3)
        answer = Answer.objects.get()
        call = Activity.objects.get()
        self.assertEqual(
            (call.customer, call.assignee, call.kind, call.subject, call.due_at, call.origin),
            (self.olena, self.manager, ActivityKind.CALL, "Call back: NPS 3 from Olena",
             MONDAY_MORNING, f"survey-answer:{answer.pk}"),
        )
        note = Notification.objects.get(user=self.manager)
        self.assertIn("Olena gave NPS 3", note.text)
        self.assertEqual(note.url, call.get_absolute_url())

    def test_a_promoter_or_a_passive_gets_no_call(self):
        self.answer(9)
        self.answer(7, customer=self.make_customer("Petro"))
        self.assertEqual(Answer.objects.count(), 2)
        self.assertFalse(Activity.objects.exists())
        self.assertFalse(Notification.objects.exists())

    def test_a_low_csat_gets_a_call_and_a_middling_one_does_not(self):
        self.answer(2, kind=SurveyKind.CSAT)
        self.answer(3, customer=self.make_customer("Petro"), kind=SurveyKind.CSAT)
        self.assertEqual(list(Activity.objects.values_list("subject", flat=True)),
                         ["Call back: CSAT 2 from Olena"])

    def test_a_hard_ces_gets_a_call(self):
        self.answer(4, kind=SurveyKind.CES)
        self.assertEqual(Activity.objects.get().subject, "Call back: CES 4 from Olena")

    def test_no_call_when_the_survey_asks_for_none(self):
        self.answer(0, follow_up_low_scores=False)
        self.assertFalse(Activity.objects.exists())

    def test_without_a_manager_the_surveys_follow_up_user_calls(self):
        petro = self.make_customer("Petro", manager=None)
        self.answer(1, customer=petro, follow_up_assignee=self.support)
        self.assertEqual(Activity.objects.get().assignee, self.support)

    def test_an_inactive_manager_is_passed_over(self):
        self.manager.is_active = False
        self.manager.save()
        self.answer(1, follow_up_assignee=self.other_manager)
        self.assertEqual(Activity.objects.get().assignee, self.other_manager)

    def test_without_anyone_to_call_the_administrators_are_told(self):
        petro = self.make_customer("Petro", manager=None)
        self.answer(2, customer=petro)
        self.assertFalse(Activity.objects.exists())
        note = Notification.objects.get()
        self.assertEqual(note.user, self.admin)
        self.assertIn("Petro gave NPS 2 and has no manager", note.text)

    def test_the_why_is_added_to_the_calls_notes(self):
        invitation = self.answer(5)
        self.client.post(f"{invitation.get_absolute_url()}why/", {"comment": "Rude courier"})
        notes = Activity.objects.get().notes
        self.assertIn("NPS 5 in the survey “After purchase”.", notes)
        self.assertIn("Rude courier", notes)

    def test_a_saturday_answer_is_called_back_on_monday(self):
        with time_machine.travel(datetime(2026, 3, 7, 18, 0, tzinfo=UTC), tick=False):
            self.answer(0)
        self.assertEqual(Activity.objects.get().due_at, MONDAY_MORNING)
