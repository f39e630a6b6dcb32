"""The worker loop: periodic jobs from the schedule, and the outbox.

One loop does the work: run the jobs that are due, send a batch of messages,
sleep when there is nothing to do. On start, and every minute, the worker
takes back what dead workers left half done. Its heart beats in a thread of its
own (`Heart`), so a job that runs for an hour does not make a live worker look
dead to the workers on other hosts.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone
from django.utils.module_loading import import_string

from tenure.crm.messaging import sending

from .models import JobRun, PeriodicJob, WorkerProcess
from .schedule import SCHEDULE, Job

log = logging.getLogger(__name__)

HEARTBEAT = timedelta(seconds=10)
RECOVER_EVERY = timedelta(seconds=60)


class Heart(threading.Thread):
    """Beat a worker's heart every ``every`` until stopped, whatever the worker is doing.

    It writes through a database connection of its own. A beat that fails (SQLite held by
    a long write, a connection lost) is logged and the next one tried: on the worker's own
    host its process answers for it anyway (`WorkerProcess.is_dead`).
    """

    def __init__(self, process: WorkerProcess, every: timedelta):
        super().__init__(name=f"tenure-heartbeat-{process.pk}", daemon=True)
        self.process, self.every = process, every
        self._stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self._stopped.wait(self.every.total_seconds()):
                try:
                    self.process.beat()
                except DatabaseError as error:
                    log.warning("worker %s: heartbeat failed: %s", self.process, error)
        finally:
            connection.close()

    def stop(self) -> None:
        self._stopped.set()
        self.join()


@dataclass
class Totals:
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    # Marketing messages whose consent was withdrawn after they were queued.
    cancelled: int = 0
    jobs: dict[str, str] = field(default_factory=dict)


class Worker:
    """Run the schedule and send the outbox until stopped."""

    def __init__(self, *, schedule: list[Job] = SCHEDULE, batch: int = 100,
                 poll_seconds: float = 2.0, stale_after: timedelta = timedelta(minutes=2),
                 report: Callable[[str], None] = log.info, heartbeat: timedelta = HEARTBEAT):
        self.schedule = schedule
        self.batch = batch
        self.poll_seconds = poll_seconds
        self.stale_after = stale_after
        self.heartbeat = heartbeat
        self.report = report
        self.totals = Totals()
        self.stopping = False
        self.process: WorkerProcess | None = None

    def run(self, *, until_idle: bool = False) -> Totals:
        """Work until a stop signal (or, with ``until_idle``, until nothing is due)."""
        previous = self._on_signals()
        self.process = WorkerProcess.start()
        self.report(f"worker {self.process} started")
        heart = Heart(self.process, self.heartbeat)
        heart.start()
        last_recovery = None
        try:
            while not self.stopping:
                now = timezone.now()
                if last_recovery is None or now - last_recovery >= RECOVER_EVERY:
                    self.recover()
                    last_recovery = now
                busy = self.run_due_jobs() | self.send_batch()
                if not busy:
                    if until_idle:
                        break
                    close_old_connections()
                    time.sleep(self.poll_seconds)
        finally:
            heart.stop()
            self.process.stop()
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        return self.totals

    def stop(self, *_args) -> None:
        """Finish the message in hand, then stop."""
        self.stopping = True

    def _on_signals(self) -> dict:
        return {signum: signal.signal(signum, self.stop)
                for signum in (signal.SIGTERM, signal.SIGINT)}

    def recover(self) -> None:
        """Take back the messages and jobs of workers that died."""
        alive = WorkerProcess.objects.filter(stopped_at__isnull=True).exclude(pk=self.process.pk)
        dead = [w for w in alive if w.is_dead(self.stale_after)]
        for worker in dead:
            worker.stop()
        orphans = WorkerProcess.objects.filter(stopped_at__isnull=False)
        taken = sending.recover_abandoned(orphans)
        released = PeriodicJob.objects.filter(claimed_by__in=orphans).update(
            claimed_by=None, last_status=JobRun.FAILED,
            last_result="The worker running it stopped.",
        )
        if dead or any(taken.values()) or released:
            self.report(
                f"recovered from {len(dead)} dead worker(s): {taken['requeued']} message(s) "
                f"to resend, {taken['unconfirmed']} handed over before the crash, "
                f"{released} job(s) released"
            )

    def send_batch(self) -> bool:
        """Send one batch from the outbox; return whether there was anything to send."""
        result = sending.send_due(self.process, limit=self.batch)
        self.totals.sent += result.sent
        self.totals.failed += result.failed
        self.totals.deferred += result.deferred
        self.totals.cancelled += result.cancelled
        if result:
            self.report(f"sent {result.sent}, failed {result.failed}, "
                        f"deferred {result.deferred}, cancelled {result.cancelled}")
        return bool(result) and not result.broken

    def run_due_jobs(self) -> bool:
        """Run every scheduled job whose time has come; return whether any ran."""
        ran = False
        for job in self.schedule:
            if self.stopping:
                break
            if self._claim(job):
                self._run(job)
                ran = True
        return ran

    def _claim(self, job: Job) -> bool:
        now = timezone.now()
        # A new daily job waits for its hour; a new interval job runs at once.
        first = now if job.every is not None else job.next_run(now)
        PeriodicJob.objects.get_or_create(name=job.name, defaults={"next_run_at": first})
        # Conditional UPDATE: of two workers, exactly one changes the row.
        return PeriodicJob.objects.filter(
            name=job.name, next_run_at__lte=now, claimed_by__isnull=True
        ).update(claimed_by=self.process, last_started_at=now, last_status=JobRun.RUNNING) == 1

    def _run(self, job: Job) -> None:
        started = time.perf_counter()
        try:
            result = import_string(job.call)()
            status, text = JobRun.OK, "" if result is None else str(result)
        except Exception as error:  # The boundary: record the failure, keep the worker alive.
            log.exception("job %s failed", job.name)
            status, text = JobRun.FAILED, f"{type(error).__name__}: {error}"
        finished = timezone.now()
        PeriodicJob.objects.filter(name=job.name, claimed_by=self.process).update(
            claimed_by=None, last_finished_at=finished, last_status=status,
            last_result=text[:2000], next_run_at=job.next_run(finished),
        )
        self.totals.jobs[job.name] = text if status == JobRun.OK else f"failed: {text}"
        self.report(f"job {job.name}: {status} in {time.perf_counter() - started:.1f} s"
                    + (f" ({text})" if text else ""))
