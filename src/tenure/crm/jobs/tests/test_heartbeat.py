"""A worker busy with a long job stays alive to the others; a dead one is known at once.

The heart beats in a thread of its own, so a job longer than ``--stale-after`` no longer
makes a live worker look dead (and another worker take its work). On the worker's own
host its process answers: alive while it runs, dead as soon as it is gone or its id
belongs to another process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from tenure.crm.jobs.models import JobRun, PeriodicJob, WorkerProcess
from tenure.crm.jobs.schedule import Job
from tenure.crm.jobs.worker import Worker

SEEN: list = []


def long_job() -> str:
    """Run for a second and a half, noting the heartbeats the database holds meanwhile."""
    SEEN.clear()
    started = time.monotonic()
    while time.monotonic() - started < 1.5:
        SEEN.append(WorkerProcess.objects.get(stopped_at__isnull=True).heartbeat_at)
        time.sleep(0.1)
    return "done"


LONG = Job("long", f"{__name__}.long_job", every=timedelta(hours=1))
STALE = timedelta(minutes=2)


@pytest.mark.django_db(transaction=True)
def test_the_heart_beats_while_a_long_job_runs():
    worker = Worker(schedule=[LONG], heartbeat=timedelta(seconds=0.2), report=lambda line: None)
    totals = worker.run(until_idle=True)
    assert totals.jobs == {"long": "done"}
    # Some seven beats in 1.5 s; the old loop beat only between jobs: one value.
    assert len(set(SEEN)) >= 4, SEEN
    assert WorkerProcess.objects.get().stopped_at is not None


@pytest.mark.django_db
def test_a_running_process_on_this_host_is_alive_however_long_its_heart_is_silent():
    busy = Worker(schedule=[LONG], report=lambda line: None)
    busy.process = WorkerProcess.start()
    assert busy._claim(LONG)
    WorkerProcess.objects.filter(pk=busy.process.pk).update(
        heartbeat_at=timezone.now() - timedelta(days=1))
    busy.process.refresh_from_db()
    assert not busy.process.is_dead(STALE)

    other = Worker(schedule=[LONG], report=lambda line: None)
    other.process = WorkerProcess.start()
    other.recover()
    assert PeriodicJob.objects.get(name="long").claimed_by == busy.process
    assert WorkerProcess.objects.get(pk=busy.process.pk).stopped_at is None


@pytest.mark.django_db
def test_a_process_that_ended_on_this_host_is_dead_at_once():
    gone = WorkerProcess.start()
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    WorkerProcess.objects.filter(pk=gone.pk).update(pid=child.pid, process_key="")
    gone.refresh_from_db()
    assert gone.is_dead(STALE)  # its heartbeat is fresh: the process said it

    other = Worker(schedule=[LONG], report=lambda line: None)
    other.process = WorkerProcess.start()
    PeriodicJob.objects.create(name="long", claimed_by=gone, last_status=JobRun.RUNNING)
    other.recover()
    job = PeriodicJob.objects.get(name="long")
    assert (job.claimed_by, job.last_status) == (None, JobRun.FAILED)


@pytest.mark.django_db
def test_a_process_id_that_another_process_now_has_is_dead():
    earlier = WorkerProcess.start()
    assert earlier.process_key  # Linux says which process it is
    assert not earlier.is_dead(STALE)
    # The same id after a reboot, or after the id went round: another boot or start time.
    WorkerProcess.objects.filter(pk=earlier.pk).update(process_key="another-boot:12345")
    earlier.refresh_from_db()
    assert earlier.pid == os.getpid()
    assert earlier.is_dead(STALE)


@pytest.mark.django_db
def test_another_hosts_worker_is_judged_by_its_heartbeat():
    now = timezone.now()
    far = WorkerProcess.objects.create(hostname="elsewhere.example", pid=os.getpid(),
                                       heartbeat_at=now - timedelta(seconds=30))
    assert not far.is_dead(STALE, now=now)
    assert far.is_dead(STALE, now=now + timedelta(minutes=2))
