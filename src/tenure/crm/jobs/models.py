"""Background work: the running workers and the schedule of periodic jobs.

The database is the queue. A worker claims a due job or an outbox message
with a conditional UPDATE, so two workers never take the same row, and a
restarted worker knows from these rows what a dead one left unfinished.
"""

from __future__ import annotations

import os
import socket
from datetime import timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WorkerQuerySet(models.QuerySet):
    def alive(self, within: timedelta = timedelta(minutes=1)) -> WorkerQuerySet:
        """Return the running workers that beat their heart within ``within``."""
        return self.filter(stopped_at__isnull=True, heartbeat_at__gte=timezone.now() - within)


class WorkerProcess(models.Model):
    """One run of ``tenure worker``, with the heartbeat that shows it is alive."""

    hostname = models.CharField(_("host"), max_length=200)
    pid = models.PositiveIntegerField(_("process id"))
    # Which process had that id (the boot and its start time, `process_key`): after a
    # restart of the machine another process may have it.
    process_key = models.CharField(_("process"), max_length=80, blank=True, editable=False)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), default=timezone.now)
    stopped_at = models.DateTimeField(_("stopped"), null=True, blank=True)

    objects = WorkerQuerySet.as_manager()

    class Meta:
        verbose_name = _("worker")
        verbose_name_plural = _("workers")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.hostname}:{self.pid}"

    @classmethod
    def start(cls) -> WorkerProcess:
        """Record a worker starting in this process."""
        pid = os.getpid()
        return cls.objects.create(hostname=socket.gethostname(), pid=pid,
                                  process_key=process_key(pid))

    def beat(self) -> None:
        """Tell other workers this one is alive."""
        self.heartbeat_at = timezone.now()
        WorkerProcess.objects.filter(pk=self.pk).update(heartbeat_at=self.heartbeat_at)

    def stop(self) -> None:
        WorkerProcess.objects.filter(pk=self.pk).update(stopped_at=timezone.now())

    def is_dead(self, stale_after: timedelta, now=None) -> bool:
        """Return whether the worker stopped, died, or (on another host) fell silent.

        On this host the process itself answers: a worker whose process still runs is
        alive however long its heart has been silent (a job may hold it, or a database
        lock its heartbeat), and one whose process is gone, or whose id another process
        now has, is dead at once. Of another host's workers only the heartbeat is known.
        """
        if self.stopped_at is not None:
            return True
        if self.hostname == socket.gethostname():
            return not _pid_running(self.pid) or (
                bool(self.process_key) and process_key(self.pid) != self.process_key)
        return (now or timezone.now()) - self.heartbeat_at > stale_after


def process_key(pid: int) -> str:
    """Return what tells process ``pid`` from a later one with the same id: the boot's id
    and the process's start time (Linux ``/proc``); "" where the system does not say."""
    try:
        with open("/proc/sys/kernel/random/boot_id") as boot, open(f"/proc/{pid}/stat") as stat:
            # Field 22, the start time in clock ticks after boot; the name before it may
            # hold spaces and parentheses, so the fields are counted from its last ")".
            return f"{boot.read().strip()}:{stat.read().rsplit(')', 1)[1].split()[19]}"
    except (OSError, IndexError):
        return ""


def _pid_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A killed child that its parent has not reaped yet is a zombie: dead for our purpose.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][:1] != "Z"
    except (OSError, IndexError):
        return True


class JobRun(models.TextChoices):
    OK = "ok", _("Succeeded")
    FAILED = "failed", _("Failed")
    RUNNING = "running", _("Running")


class PeriodicJob(models.Model):
    """A job of the worker's schedule: when it runs next and how its last run went."""

    name = models.CharField(_("name"), max_length=64, unique=True)
    next_run_at = models.DateTimeField(_("next run"), default=timezone.now)
    claimed_by = models.ForeignKey(
        WorkerProcess, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_started_at = models.DateTimeField(_("last started"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("last finished"), null=True, blank=True)
    last_status = models.CharField(
        _("last status"), max_length=16, choices=JobRun.choices, blank=True
    )
    last_result = models.TextField(_("last result"), blank=True)

    class Meta:
        verbose_name = _("periodic job")
        verbose_name_plural = _("periodic jobs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def run_soon(cls, name: str) -> bool:
        """Ask a running worker to run job ``name`` now; False when no worker is running."""
        if not WorkerProcess.objects.alive().exists():
            return False
        job, _ = cls.objects.get_or_create(name=name)
        cls.objects.filter(pk=job.pk).update(next_run_at=timezone.now())
        return True
