"""``tenure worker``: send the outbox and run the schedule (reminders, surveys, nightly)."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from tenure.crm.jobs.schedule import SCHEDULE
from tenure.crm.jobs.worker import Worker
from tenure.crm.lib.arguments import positive_int, positive_seconds


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return _(
            "Run Tenure's background work: send queued emails (reminders, complaint "
            "notifications, surveys) and run the schedule: activity reminders every minute, "
            "warnings of complaints past their SLA every 5 minutes, survey invitations every "
            "15 minutes, the Insights refresh every night at 02:00 (and at once when an "
            "administrator presses Refresh now). "
            "The database is the queue, so several workers may run at once on PostgreSQL; a "
            "worker that is killed and restarted sends nothing twice. Keep one running, for "
            "example as a systemd service; stop it with Ctrl+C or SIGTERM."
        )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help=_(
            "run what is due and send the outbox until it is empty, then exit"))
        parser.add_argument("--send-only", action="store_true", help=_(
            "only send the outbox; run no scheduled job"))
        parser.add_argument("--batch", type=positive_int, default=100, metavar="N", help=_(
            "messages claimed at a time (default 100)"))
        parser.add_argument("--poll", type=positive_seconds, default=2.0, metavar="SECONDS", help=_(
            "how long to wait when there is nothing to do (default 2)"))
        parser.add_argument("--stale-after", type=positive_seconds, default=120.0,
                            metavar="SECONDS", help=_(
            "a worker on another host that has been silent this long is taken for dead and "
            "its work taken back (default 120)"))

    def handle(self, *args, **options):
        logging.basicConfig(level=logging.WARNING)
        quiet = options["verbosity"] == 0
        worker = Worker(
            schedule=[] if options["send_only"] else SCHEDULE, batch=options["batch"],
            poll_seconds=options["poll"], stale_after=timedelta(seconds=options["stale_after"]),
            report=(lambda line: None) if quiet else self._report,
        )
        started = time.perf_counter()
        totals = worker.run(until_idle=options["once"])
        if not quiet:
            self.stdout.write(_(
                "Worker stopped after %(seconds).1f s: %(sent)d message(s) sent, %(failed)d "
                "failed, %(deferred)d to retry; %(jobs)d job run(s)."
            ) % {"seconds": time.perf_counter() - started, "sent": totals.sent,
                 "failed": totals.failed, "deferred": totals.deferred,
                 "jobs": len(totals.jobs)})

    def _report(self, line: str) -> None:
        self.stdout.write(f"{time.strftime('%H:%M:%S')} {line}")
        self.stdout.flush()
