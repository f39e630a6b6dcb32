"""A survey sent to many ticked customers: those who may be asked get it, the others are
counted with the reason."""

from __future__ import annotations

import time_machine
from django.urls import reverse

from tenure.crm.feedback.models import Invitation
from tenure.crm.feedback.tests.base import NOW, FeedbackTestCase


@time_machine.travel(NOW, tick=False)
class BulkSurveyTestCase(FeedbackTestCase):
    def test_it_asks_those_who_may_be_asked_and_counts_the_rest(self):
        survey = self.make_survey(name="How did we do?")
        olena, ivan = self.make_customer("Olena"), self.make_customer("Ivan")
        silent = self.make_customer("Silent", consent_email=False)
        mailless = self.make_customer("Mailless", email="")
        asked = self.make_customer("Asked")
        self.invite(survey, asked)
        self.login(self.manager)

        response = self.client.post(reverse("customers:bulk"), {
            "action": "survey", "ids": [c.pk for c in (olena, ivan, silent, mailless, asked)],
            "survey": survey.pk, "confirm": "1", "next": "/customers/"})

        self.assertEqual(response.status_code, 302)
        self.assertEqual(sorted(Invitation.objects.filter(sent_by=self.manager)
                                .values_list("customer__name", flat=True)), ["Ivan", "Olena"])
        message = str(list(response.wsgi_request._messages)[0])
        self.assertEqual(message, "The survey “How did we do?” was sent to 2 customers. "
                                  "3 were skipped: asked too recently (1); no email address (1); "
                                  "no consent to emails (1)")  # in the customers' order

    def test_only_those_who_may_send_surveys_see_and_use_the_action(self):
        survey = self.make_survey()
        olena = self.make_customer("Olena")
        self.login(self.analyst)
        response = self.client.post(reverse("customers:bulk"), {
            "action": "survey", "ids": [olena.pk], "survey": survey.pk, "confirm": "1"})
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Invitation.objects.exists())
