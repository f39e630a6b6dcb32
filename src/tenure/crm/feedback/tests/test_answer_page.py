"""The public answer page: one click records a score, once; the "why" follows."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from tenure.crm.feedback.answering import record_answer
from tenure.crm.feedback.models import Answer, Invitation, SurveyKind

from .base import NOW, FeedbackTestCase


@time_machine.travel(NOW, tick=False)
class AnswerPageTestCase(FeedbackTestCase):
    def setUp(self):
        self.survey = self.make_survey()
        self.olena = self.make_customer("Olena")
        self.invitation = self.invite(self.survey, self.olena)
        self.page = f"/s/{self.invitation.token}/"

    def test_it_shows_the_question_with_a_button_per_score_and_no_site_navigation(self):
        r = self.client.get(self.page)
        self.assertContains(r, "How likely are you to recommend us to a friend or colleague?")
        for score in range(11):
            self.assertContains(r, f'href="{self.invitation.get_score_url(score)}"')
        self.assertContains(r, 'name="viewport"')
        self.assertNotContains(r, "mainnav")
        self.assertNotContains(r, "/customers/")

    def test_the_links_in_the_email_are_the_pages_score_links(self):
        self.assertEqual(self.invitation.get_score_url(7), f"{self.page}7/")

    def test_it_speaks_the_customers_language(self):
        self.olena.language = "uk"
        self.olena.save()
        r = self.client.get(self.page, HTTP_ACCEPT_LANGUAGE="ru")
        self.assertContains(r, '<html lang="uk">')
        self.assertEqual(r.headers["Content-Language"], "uk")

    def test_it_shows_the_surveys_own_question(self):
        self.survey.question = "Did the courier arrive on time?"
        self.survey.save()
        self.assertContains(self.client.get(self.page), "Did the courier arrive on time?")

    def test_one_click_records_the_score_and_asks_why(self):
        r = self.client.get(f"{self.page}9/")
        self.assertContains(r, "Thank you!")
        self.assertContains(r, f'action="{self.page}why/"')
        answer = Answer.objects.get()
        self.assertEqual((answer.invitation, answer.customer, answer.kind, answer.score,
                          answer.answered_at), (self.invitation, self.olena, "nps", 9, NOW))

    def test_a_token_answers_once(self):
        self.client.get(f"{self.page}9/")
        r = self.client.get(f"{self.page}2/")
        self.assertContains(r, "You have already answered. Thank you!")
        self.assertEqual(list(Answer.objects.values_list("score", flat=True)), [9])
        self.assertContains(self.client.get(self.page), "You have already answered")

    def test_a_double_click_racing_the_first_keeps_the_first_score(self):
        stale = Invitation.objects.select_related("survey", "customer").get()
        record_answer(self.invitation, 10)
        answer, created = record_answer(stale, 1)
        self.assertEqual((answer.score, created), (10, False))
        self.assertEqual(Answer.objects.count(), 1)

    def test_a_head_request_of_a_mail_scanner_records_nothing(self):
        self.assertEqual(self.client.head(f"{self.page}9/").status_code, 200)
        self.assertFalse(Answer.objects.exists())

    def test_an_expired_link_gets_a_polite_page(self):
        self.invitation.expires_at = NOW
        self.invitation.save()
        for url in (self.page, f"{self.page}9/"):
            r = self.client.get(url)
            self.assertContains(r, "This survey has closed", status_code=410)
            self.assertNotContains(r, "mainnav", status_code=410)
        self.assertFalse(Answer.objects.exists())

    def test_an_unknown_token_gets_a_not_found_page(self):
        for url in ("/s/no-such-token/", "/s/no-such-token/9/"):
            r = self.client.get(url)
            self.assertContains(r, "This link does not work", status_code=404)
            self.assertNotContains(r, "mainnav", status_code=404)

    def test_a_score_off_the_scale_is_refused(self):
        csat = self.invite(self.make_survey(kind=SurveyKind.CSAT), self.make_customer("Ivan"))
        for url in (f"{self.page}11/", f"/s/{csat.token}/0/", f"/s/{csat.token}/6/"):
            self.assertContains(self.client.get(url), "not on the scale", status_code=400)
        self.assertFalse(Answer.objects.exists())

    def test_the_why_is_stored_once_without_a_csrf_cookie(self):
        client = Client(enforce_csrf_checks=True)
        client.get(f"{self.page}4/")
        r = client.post(f"{self.page}why/", {"comment": "The parcel came late."})
        self.assertContains(r, "Thank you for telling us why.")
        r = client.post(f"{self.page}why/", {"comment": "Changed my mind."})
        self.assertContains(r, "You have already answered")
        self.assertEqual(Answer.objects.get().comment, "The parcel came late.")

    def test_an_empty_why_asks_again(self):
        self.client.get(f"{self.page}4/")
        r = self.client.post(f"{self.page}why/", {"comment": "  "})
        self.assertContains(r, "This field is required.")
        self.assertEqual(Answer.objects.get().comment, "")

    def test_a_why_before_any_score_goes_back_to_the_question(self):
        r = self.client.post(f"{self.page}why/", {"comment": "Hello"})
        self.assertRedirects(r, self.page)
        self.assertFalse(Answer.objects.exists())

    def test_a_why_can_follow_a_second_visit(self):
        self.client.get(f"{self.page}8/")
        r = self.client.get(f"{self.page}8/")
        self.assertContains(r, f'action="{self.page}why/"')

    def test_the_why_page_is_not_offered_once_answered(self):
        self.client.get(f"{self.page}8/")
        self.client.post(f"{self.page}why/", {"comment": "Fine"})
        self.assertNotContains(self.client.get(self.page), 'action="')

    def test_the_answer_is_on_the_customers_record_for_the_timeline(self):
        self.client.get(f"{self.page}9/")
        answer = self.olena.survey_answers.get()
        self.assertEqual((answer.timeline_time, answer.tone), (NOW, "high"))

    def test_the_link_still_shows_thanks_after_it_expired_once_answered(self):
        self.client.get(f"{self.page}9/")
        with time_machine.travel(NOW + timedelta(days=31), tick=False):
            self.assertContains(self.client.get(f"{self.page}9/"), "already answered")


@time_machine.travel(NOW, tick=False)
class StopEmailsTestCase(FeedbackTestCase):
    def setUp(self):
        self.olena = self.make_customer("Olena")
        self.invitation = self.invite(self.make_survey(), self.olena)
        self.page = f"/s/{self.invitation.token}/stop/"

    def test_it_asks_before_withdrawing_consent(self):
        r = self.client.get(self.page)
        self.assertContains(r, "Stop receiving our emails?")
        self.olena.refresh_from_db()
        self.assertTrue(self.olena.consent_email)

    def test_it_withdraws_the_email_consent_and_records_where(self):
        r = self.client.post(self.page)
        self.assertContains(r, "You will not receive our emails any more")
        self.olena.refresh_from_db()
        self.assertFalse(self.olena.consent_email)
        change = self.olena.consent_changes.get()
        self.assertEqual((change.channel, change.granted, change.source, change.purpose),
                         ("email", False, "survey_link", "marketing"))
        self.assertEqual(change.wording, (
            f"Stop receiving our emails? We will no longer write to {self.olena.email}: no "
            "surveys, no offers. Emails about your own orders and complaints still reach you."))

    def test_it_records_the_words_of_the_page_in_the_customers_language(self):
        self.olena.language = "uk"
        self.olena.save()
        self.client.post(self.page)
        change = self.olena.consent_changes.get()
        with translation.override("uk"):
            self.assertTrue(change.wording.startswith(gettext("Stop receiving our emails?")))
        self.assertNotIn("Stop receiving", change.wording)

    def test_it_refuses_an_unknown_token(self):
        self.assertEqual(self.client.post("/s/no-such-token/stop/").status_code, 404)
