from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import time_machine
from django.test import override_settings

from tenure.crm.jobs.models import JobRun, PeriodicJob, WorkerProcess
from tenure.crm.jobs.schedule import SCHEDULE, Job
from tenure.crm.jobs.worker import Worker
from tenure.crm.testing import TenureTestCase

CALLS: list[str] = []


def count_call() -> str:
    CALLS.append("x")
    return f"call {len(CALLS)}"


def explode() -> None:
    raise ValueError("the data is odd")


EVERY_MINUTE = Job("counter", f"{__name__}.count_call", every=timedelta(minutes=1))


def worker(*jobs: Job) -> Worker:
    w = Worker(schedule=list(jobs), report=lambda line: None)
    w.process = WorkerProcess.start()
    return w


class ScheduleTestCase(TenureTestCase):
    def setUp(self):
        CALLS.clear()

    def test_it_runs_a_due_job_once_among_two_workers(self):
        first, second = worker(EVERY_MINUTE), worker(EVERY_MINUTE)
        with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False):
            self.assertTrue(first.run_due_jobs())
            self.assertFalse(second.run_due_jobs())
        self.assertEqual(CALLS, ["x"])
        job = PeriodicJob.objects.get(name="counter")
        self.assertEqual(job.next_run_at, datetime(2026, 3, 2, 9, 1, tzinfo=UTC))
        self.assertEqual((job.last_status, job.last_result), (JobRun.OK, "call 1"))

    def test_it_runs_the_job_again_when_its_interval_has_passed(self):
        w = worker(EVERY_MINUTE)
        with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False) as clock:
            w.run_due_jobs()
            clock.shift(timedelta(seconds=59))
            w.run_due_jobs()
            clock.shift(timedelta(seconds=1))
            w.run_due_jobs()
        self.assertEqual(len(CALLS), 2)

    def test_it_records_a_failing_job_and_goes_on(self):
        w = worker(Job("bad", f"{__name__}.explode", every=timedelta(minutes=5)), EVERY_MINUTE)
        w.run_due_jobs()
        bad = PeriodicJob.objects.get(name="bad")
        self.assertEqual(bad.last_status, JobRun.FAILED)
        self.assertIn("ValueError: the data is odd", bad.last_result)
        self.assertIsNone(bad.claimed_by)
        self.assertEqual(CALLS, ["x"])

    @override_settings(TIME_ZONE="Europe/Kyiv")
    def test_it_runs_a_daily_job_at_its_local_hour(self):
        nightly = Job("nightly", f"{__name__}.count_call", daily_at=time(2, 0))
        w = worker(nightly)
        # 23:30 UTC on 1 March is 01:30 on 2 March in Kyiv: the job waits half an hour.
        with time_machine.travel(datetime(2026, 3, 1, 23, 30, tzinfo=UTC), tick=False) as clock:
            self.assertFalse(w.run_due_jobs())
            clock.shift(timedelta(minutes=30))
            self.assertTrue(w.run_due_jobs())
        self.assertEqual(
            PeriodicJob.objects.get(name="nightly").next_run_at,
            datetime(2026, 3, 3, 0, 0, tzinfo=UTC),
        )

    def test_it_releases_the_job_of_a_dead_worker(self):
        dead = worker(EVERY_MINUTE)
        dead._claim(EVERY_MINUTE)
        WorkerProcess.objects.filter(pk=dead.process.pk).update(pid=2 ** 22 + 1)
        alive = worker(EVERY_MINUTE)
        alive.recover()
        job = PeriodicJob.objects.get(name="counter")
        self.assertIsNone(job.claimed_by)
        self.assertEqual(job.last_status, JobRun.FAILED)
        self.assertTrue(alive.run_due_jobs())

    def test_it_schedules_reminders_surveys_and_the_nightly_refresh(self):
        names = [job.name for job in SCHEDULE]
        self.assertEqual(names, ["reminders", "complaint SLA", "surveys", "replies", "insights",
                                 "managers", "campaigns", "coupons", "loyalty",
                                 "loyalty nightly",
                                 "imports", "import files", "old logs"])
