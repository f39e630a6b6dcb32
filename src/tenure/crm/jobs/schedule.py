"""The worker's schedule: which periodic job runs how often, and what it calls.

An explicit list, not a registry: reading it tells what the worker does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.utils import timezone


@dataclass(frozen=True)
class Job:
    name: str
    # Dotted path of a function taking no arguments; what it returns is recorded.
    call: str
    every: timedelta | None = None
    # Or once a day at this local time.
    daily_at: time | None = None

    def next_run(self, after: datetime) -> datetime:
        """Return when the job runs next, after a run at ``after``."""
        if self.every is not None:
            return after + self.every
        local = timezone.localtime(after)
        run = local.replace(hour=self.daily_at.hour, minute=self.daily_at.minute,
                            second=0, microsecond=0)
        return run if run > local else run + timedelta(days=1)


SCHEDULE = [
    Job("reminders", "tenure.crm.engagement.reminding.queue_due_reminders",
        every=timedelta(minutes=1)),
    Job("complaint SLA", "tenure.crm.engagement.sla.warn_of_breaches",
        every=timedelta(minutes=5)),
    Job("surveys", "tenure.crm.feedback.sending.queue_due_surveys",
        every=timedelta(minutes=15)),
    # Customers' replies on Telegram and SMS: /start, /stop, STOP.
    Job("replies", "tenure.crm.messaging.inbound.read_replies", every=timedelta(minutes=1)),
    Job("insights", "tenure.crm.insights.nightly.refresh_insights", daily_at=time(2, 0)),
    # The Managers page's figures, computed again once what they read has changed.
    Job("managers", "tenure.crm.insights.performance.refresh_stored",
        every=timedelta(minutes=1)),
    # Birthdays come at each customer's local midnight: every quarter hour meets them.
    Job("campaigns", "tenure.crm.campaigns.running.run_due", every=timedelta(minutes=15)),
    Job("coupons", "tenure.crm.campaigns.running.redeem_coupons", every=timedelta(minutes=15)),
    # Loyalty points: earned and reversed for new orders and returns, released after the
    # return window and expired by night.
    Job("loyalty", "tenure.crm.loyalty.ledger.catch_up", every=timedelta(minutes=5)),
    Job("loyalty nightly", "tenure.crm.loyalty.ledger.nightly", daily_at=time(1, 0)),
    # The upload page also asks for this job at once (`PeriodicJob.run_soon`).
    Job("imports", "tenure.crm.imports.queue.run_queued", every=timedelta(minutes=1)),
    Job("import files", "tenure.crm.imports.retention.remove_expired", every=timedelta(hours=1)),
    Job("old logs", "tenure.crm.privacy.retention.remove_expired_logs", daily_at=time(3, 0)),
]
