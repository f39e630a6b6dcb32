"""Survey settings out of range: refused by the form, and skipped and reported by the survey
job (and refused by "send now") when an old row holds one, while the other surveys go out."""

from __future__ import annotations

import time_machine

from tenure.crm.feedback.models import Invitation, Survey
from tenure.crm.feedback.sending import SurveyNotSent, queue_due_surveys, send_survey_now
from tenure.crm.jobs.models import JobRun, PeriodicJob, WorkerProcess
from tenure.crm.jobs.schedule import SCHEDULE
from tenure.crm.jobs.worker import Worker

from .base import NOW, FeedbackTestCase


@time_machine.travel(NOW, tick=False)
class OutOfRangeSurveyTestCase(FeedbackTestCase):
    def setUp(self):
        self.olena = self.make_customer("Olena")
        self.order(self.olena, days_ago=3)
        self.good = self.make_survey(name="After purchase")
        self.absurd = self.make_survey(name="Absurd")
        # Saved before the validators existed, or straight into the database.
        Survey.objects.filter(pk=self.absurd.pk).update(delay_days=1_000_000_000)

    def test_the_form_refuses_days_out_of_range_naming_the_field(self):
        self.login(self.marketer)
        for field in ("delay_days", "min_interval_days", "valid_days"):
            for days in ("1000000000", str(2**63 - 1)):
                with self.subTest(field=field, days=days):
                    r = self.client.post("/feedback/new/", {
                        "name": "x", "kind": "nps", "trigger": "purchase", "delay_days": 3,
                        "min_interval_days": 90, "valid_days": 30, field: days})
                    self.assertEqual(r.status_code, 200)
                    self.assertIn("less than or equal to 3660",
                                  str(r.context["form"].errors[field]))
        self.assertEqual(Survey.objects.count(), 2)

    def test_the_job_skips_the_absurd_survey_reports_it_and_sends_the_others(self):
        report = queue_due_surveys()
        self.assertEqual(report.done, 1)
        self.assertEqual(list(Invitation.objects.values_list("survey__name", flat=True)),
                         ["After purchase"])
        self.assertEqual(len(report.skipped), 1)
        self.assertIn(f"survey {self.absurd.pk} “Absurd”: delay_days", report.skipped[0])

    def test_the_worker_records_the_skipped_survey_as_the_jobs_result(self):
        surveys = [job for job in SCHEDULE if job.name == "surveys"]
        worker = Worker(schedule=surveys, report=lambda line: None)
        worker.process = WorkerProcess.start()
        worker.run_due_jobs()
        job = PeriodicJob.objects.get(name="surveys")
        self.assertEqual(job.last_status, JobRun.OK)
        self.assertTrue(job.last_result.startswith("1; skipped 1: survey"), job.last_result)

    def test_sending_the_absurd_survey_by_hand_says_why_not(self):
        Survey.objects.filter(pk=self.absurd.pk).update(delay_days=3,
                                                        min_interval_days=2_000_000_000)
        self.absurd.refresh_from_db()
        with self.assertRaisesMessage(SurveyNotSent, "days out of range"):
            send_survey_now(self.absurd, self.olena, by=self.manager)
        self.login(self.manager)
        r = self.client.post(f"/feedback/customers/{self.olena.pk}/send/",
                             {"survey": self.absurd.pk}, follow=True)
        self.assertContains(r, "has days out of range in its settings")
        self.assertFalse(Invitation.objects.exists())
