"""``tenure jobs``: how each scheduled job last ran, and whether a worker is running.

With ``--check`` it is an alarm for cron or a monitoring system: exit status 1 when a job's
last run failed or no worker has been heard from.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from tenure.crm.jobs.models import JobRun, PeriodicJob, WorkerProcess
from tenure.crm.jobs.schedule import SCHEDULE
from tenure.crm.lib.arguments import positive_int


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return _(
            "Show the last run of each scheduled job (reminders, complaint SLA, surveys, "
            "insights) with its result or error, its next run, and the running workers. "
            "With --check, exit with status 1 when a job's last run failed or no worker has "
            "been heard from: run it from cron or a monitoring system to be told."
        )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help=_(
            "exit with status 1 when a job's last run failed or no worker is running"))
        parser.add_argument("--silent-minutes", type=positive_int, default=30, metavar="N",
                            help=_("a worker not heard from for N minutes is taken for "
                                   "stopped (default 30; the nightly refresh keeps a worker "
                                   "busy for minutes)"))

    def handle(self, *args, **options):
        rows = {job.name: job for job in PeriodicJob.objects.all()}
        problems = []
        for job in SCHEDULE:
            row = rows.get(job.name)
            self.stdout.write(self._line(job.name, row))
            if row is not None and row.last_status == JobRun.FAILED:
                problems.append(_("job %(name)s failed: %(error)s") % {
                    "name": job.name, "error": row.last_result.splitlines()[0]
                    if row.last_result else "?"})
        # More than a year would overflow the date arithmetic and means "never" anyway.
        within = timedelta(minutes=min(options["silent_minutes"], 366 * 24 * 60))
        workers = list(WorkerProcess.objects.alive(within=within))
        for worker in workers:
            self.stdout.write(_("worker %(worker)s: last heard from %(when)s") % {
                "worker": worker, "when": _when(worker.heartbeat_at)})
        if not workers:
            problems.append(_("no worker has been heard from in %(minutes)d minutes") % {
                "minutes": options["silent_minutes"]})
        if options["check"] and problems:
            raise CommandError("; ".join(problems))

    def _line(self, name: str, row: PeriodicJob | None) -> str:
        if row is None or not row.last_status:
            return _("%(name)s: never run") % {"name": name}
        line = _("%(name)s: %(status)s, started %(started)s, next run %(next)s") % {
            "name": name, "status": row.get_last_status_display(),
            "started": _when(row.last_started_at), "next": _when(row.next_run_at)}
        if row.last_result:
            line += f"\n    {row.last_result}"
        return line


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "-"
