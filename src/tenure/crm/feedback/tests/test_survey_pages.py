"""The staff's survey pages: the list, one survey, its settings, and who may do what."""

from __future__ import annotations

import time_machine
from django.contrib.auth.models import Permission

from tenure.crm.feedback.models import Answer, Invitation, Survey, SurveyTrigger

from .base import NOW, FeedbackTestCase


@time_machine.travel(NOW, tick=False)
class SurveyPagesTestCase(FeedbackTestCase):
    """One NPS survey: Bob's customers answered 10 and 3, Carol's answered 9, one did not."""

    def setUp(self):
        self.survey = self.make_survey(name="After purchase")
        for name, manager, score, comment in (
                ("Olena", self.manager, 10, "Great service"),
                ("Petro", self.manager, 3, "Late delivery"),
                ("Cleo", self.other_manager, 9, "Carol's customer speaks"),
                ("Ivan", self.manager, None, "")):
            invitation = self.invite(self.survey, self.make_customer(name, manager=manager))
            if score is not None:
                Answer.objects.create(invitation=invitation, customer=invitation.customer,
                                      kind="nps", score=score, comment=comment)

    def test_it_lists_each_survey_with_its_counts_and_score(self):
        self.login(self.analyst)
        r = self.client.get("/feedback/")
        [(survey, results)] = r.context["rows"]
        self.assertEqual((survey, results.invited, results.answered), (self.survey, 4, 3))
        self.assertContains(r, "75%")
        self.assertContains(r, "+33 ± ")

    def test_a_sales_manager_counts_only_their_own_customers(self):
        self.login(self.manager)
        [(_, results)] = self.client.get("/feedback/").context["rows"]
        self.assertEqual((results.invited, results.answered, results.score), (3, 2, 0.0))

    def test_the_survey_page_shows_results_and_the_latest_answers(self):
        self.login(self.marketer)
        r = self.client.get(f"/feedback/{self.survey.pk}/")
        # Newest first: answered at the same moment, the last recorded leads.
        self.assertEqual([a.customer.name for a in r.context["answers"]],
                         ["Cleo", "Petro", "Olena"])
        self.assertContains(r, "Late delivery")
        self.assertContains(r, 'id="survey-score">+33 ± ')

    def test_a_sales_manager_sees_only_the_answers_of_their_customers(self):
        self.login(self.manager)
        r = self.client.get(f"/feedback/{self.survey.pk}/")
        self.assertEqual(sorted(a.customer.name for a in r.context["answers"]),
                         ["Olena", "Petro"])
        self.assertNotContains(r, "Carol&#x27;s customer speaks")

    def test_a_marketer_creates_a_survey(self):
        self.login(self.marketer)
        r = self.client.post("/feedback/new/", self.form(name="After complaint",
                                                         trigger="complaint"))
        survey = Survey.objects.get(name="After complaint")
        self.assertRedirects(r, f"/feedback/{survey.pk}/")
        self.assertEqual((survey.trigger, survey.follow_up_assignee), ("complaint", self.support))

    def form(self, **changes) -> dict:
        data = {"name": "Champions", "kind": "nps", "question": "", "trigger": "purchase",
                "stage": "", "delay_days": 3, "min_interval_days": 90, "valid_days": 30,
                "follow_up_low_scores": "on", "follow_up_assignee": self.support.pk,
                "is_active": "on"}
        return {**data, **changes}

    def test_a_survey_at_a_stage_needs_the_segment(self):
        self.login(self.marketer)
        r = self.client.post("/feedback/new/", self.form(trigger="stage"))
        self.assertContains(r, "Choose the segment whose customers are asked.")
        self.client.post("/feedback/new/", self.form(trigger="stage", stage="champions"))
        self.assertEqual(Survey.objects.get(name="Champions").stage, "champions")

    def test_a_link_valid_for_no_days_is_refused(self):
        self.login(self.admin)
        r = self.client.post("/feedback/new/", self.form(valid_days=0))
        self.assertFalse(r.context["form"].is_valid())
        self.assertFalse(Survey.objects.filter(name="Champions").exists())

    def test_a_marketer_edits_a_survey_from_its_page(self):
        self.login(self.marketer)
        r = self.client.post(f"/feedback/{self.survey.pk}/",
                             self.form(name="Renamed", is_active=""))
        self.assertRedirects(r, f"/feedback/{self.survey.pk}/")
        self.survey.refresh_from_db()
        self.assertEqual((self.survey.name, self.survey.is_active), ("Renamed", False))

    def test_the_kind_of_a_sent_survey_is_fixed(self):
        self.login(self.marketer)
        self.client.post(f"/feedback/{self.survey.pk}/", self.form(name="Renamed", kind="csat"))
        self.survey.refresh_from_db()
        self.assertEqual((self.survey.name, self.survey.kind), ("Renamed", "nps"))

    def test_an_invalid_edit_keeps_the_pages_heading(self):
        self.login(self.marketer)
        r = self.client.post(f"/feedback/{self.survey.pk}/", self.form(name=""))
        self.assertContains(r, "<h1>After purchase</h1>")

    def test_only_marketers_and_administrators_change_surveys(self):
        for user in (self.manager, self.support, self.analyst):
            self.login(user)
            self.assertNotContains(self.client.get("/feedback/"), "/feedback/new/")
            self.assertEqual(self.client.get("/feedback/new/").status_code, 403)
            r = self.client.get(f"/feedback/{self.survey.pk}/")
            self.assertIsNone(r.context["form"])
            r = self.client.post(f"/feedback/{self.survey.pk}/", self.form(name="Hacked"))
            self.assertEqual(r.status_code, 403)
        self.survey.refresh_from_db()
        self.assertEqual(self.survey.name, "After purchase")

    def test_a_user_without_a_role_sees_no_surveys(self):
        self.login(self.nobody)
        self.assertEqual(self.client.get("/feedback/").status_code, 403)
        self.assertEqual(self.client.get(f"/feedback/{self.survey.pk}/").status_code, 403)
        # Seeing customers is not enough to see their answers.
        self.nobody.user_permissions.add(Permission.objects.get(codename="view_customer"))
        self.assertEqual(self.client.get("/feedback/").status_code, 403)
        self.assertEqual(self.client.get(f"/feedback/{self.survey.pk}/").status_code, 403)
        self.client.logout()
        self.assertRedirects(self.client.get("/feedback/"), "/accounts/login/?next=/feedback/",
                             fetch_redirect_response=False)

    def test_the_empty_list_says_what_to_do_next(self):
        Survey.objects.all().delete()
        self.login(self.marketer)
        self.assertContains(self.client.get("/feedback/"), "Create a survey")
        self.login(self.analyst)
        self.assertContains(self.client.get("/feedback/"), "Ask a marketer or an administrator")

    def test_a_survey_nobody_was_asked_says_how_it_goes_out(self):
        survey = self.make_survey(name="Fresh", trigger=SurveyTrigger.AFTER_COMPLAINT)
        self.login(self.marketer)
        self.assertContains(self.client.get(f"/feedback/{survey.pk}/"),
                            "Nobody has been asked yet.")


@time_machine.travel(NOW, tick=False)
class SendFromCustomerPageTestCase(FeedbackTestCase):
    def setUp(self):
        self.survey = self.make_survey(name="Service check", kind="csat")
        self.olena = self.make_customer("Olena")
        self.url = f"/feedback/customers/{self.olena.pk}/send/"

    def test_a_manager_sends_a_survey_to_their_customer(self):
        self.login(self.manager)
        r = self.client.post(self.url, {"survey": self.survey.pk}, follow=True)
        self.assertRedirects(r, self.olena.get_absolute_url())
        self.assertContains(r, "The survey “Service check” was sent to Olena.")
        invitation = Invitation.objects.get()
        self.assertEqual((invitation.customer, invitation.sent_by), (self.olena, self.manager))

    def test_the_page_offers_the_active_surveys(self):
        self.make_survey(name="Paused", is_active=False)
        self.login(self.support)
        r = self.client.get(self.url)
        self.assertContains(r, "Service check")
        self.assertNotContains(r, "Paused")

    def test_it_says_why_a_survey_was_not_sent(self):
        self.olena.consent_email = False
        self.olena.save()
        self.login(self.manager)
        r = self.client.post(self.url, {"survey": self.survey.pk}, follow=True)
        self.assertContains(r, "Olena does not agree to receive emails.")
        self.assertFalse(Invitation.objects.exists())

    def test_a_manager_cannot_send_to_another_managers_customer(self):
        self.login(self.other_manager)
        self.assertEqual(self.client.post(self.url, {"survey": self.survey.pk}).status_code, 404)
        self.assertFalse(Invitation.objects.exists())

    def test_a_marketer_or_analyst_cannot_send_by_hand(self):
        for user in (self.marketer, self.analyst, self.nobody):
            self.login(user)
            r = self.client.post(self.url, {"survey": self.survey.pk})
            self.assertEqual(r.status_code, 403, user)
        self.assertFalse(Invitation.objects.exists())
