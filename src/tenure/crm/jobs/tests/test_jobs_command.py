from __future__ import annotations

import io
from datetime import timedelta

from django.core.management import CommandError, call_command
from django.utils import timezone

from tenure.crm.jobs.models import JobRun, PeriodicJob, WorkerProcess
from tenure.crm.testing import TenureTestCase


class JobsCommandTestCase(TenureTestCase):
    def run_command(self, *args: str) -> tuple[int, str, str]:
        """Return the exit status `tenure jobs` would have, its output and its error."""
        out = io.StringIO()
        try:
            call_command("jobs", *args, stdout=out)
        except CommandError as error:
            return 1, out.getvalue(), str(error)
        return 0, out.getvalue(), ""

    def setUp(self):
        now = timezone.now()
        PeriodicJob.objects.create(name="reminders", last_status=JobRun.OK,
                                   last_started_at=now, last_finished_at=now,
                                   next_run_at=now + timedelta(minutes=1))
        self.worker = WorkerProcess.start()

    def test_it_shows_each_jobs_last_run(self):
        status, out, _ = self.run_command()
        self.assertEqual(status, 0)
        self.assertIn("reminders: Succeeded, started", out)
        self.assertIn("insights: never run", out)
        self.assertIn(f"worker {self.worker}: last heard from", out)

    def test_it_is_quiet_about_a_healthy_schedule_with_check(self):
        self.assertEqual(self.run_command("--check")[0], 0)

    def test_it_alarms_on_a_failed_job_with_its_error(self):
        PeriodicJob.objects.create(
            name="insights", last_status=JobRun.FAILED, last_started_at=timezone.now(),
            last_result="ValueError: year 1 is out of range\nmore detail")
        status, out, err = self.run_command("--check")
        self.assertEqual(status, 1)
        self.assertIn("ValueError: year 1 is out of range", out)
        self.assertIn("job insights failed: ValueError: year 1 is out of range", err)
        # Without --check it only shows it.
        self.assertEqual(self.run_command()[0], 0)

    def test_it_alarms_when_no_worker_runs(self):
        self.worker.stop()
        status, _, err = self.run_command("--check")
        self.assertEqual(status, 1)
        self.assertIn("no worker has been heard from in 30 minutes", err)

    def test_it_takes_a_busy_worker_for_alive(self):
        WorkerProcess.objects.filter(pk=self.worker.pk).update(
            heartbeat_at=timezone.now() - timedelta(minutes=20))
        self.assertEqual(self.run_command("--check")[0], 0)
        self.assertEqual(self.run_command("--check", "--silent-minutes", "10")[0], 1)
        self.assertEqual(self.run_command("--check", "--silent-minutes", "10" * 30)[0], 0)
