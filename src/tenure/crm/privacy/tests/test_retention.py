from __future__ import annotations

from datetime import timedelta

import time_machine
from auditlog.models import LogEntry
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.test import override_settings
from django.utils import timezone

from tenure.crm.customers.models import Customer
from tenure.crm.privacy.models import Erasure
from tenure.crm.privacy.retention import remove_expired_logs
from tenure.crm.testing import TenureTestCase


def sign_in_records(username: str) -> None:
    common = {"username": username, "ip_address": "203.0.113.7", "user_agent": "Firefox"}
    AccessAttempt.objects.create(**common, failures_since_start=1)
    AccessFailureLog.objects.create(**common)
    AccessLog.objects.create(**common)


@override_settings(TENURE_SIGNIN_LOG_DAYS=90, TENURE_AUDIT_LOG_DAYS=730)
class LogRetentionTestCase(TenureTestCase):
    def test_it_removes_sign_in_records_and_audit_entries_past_their_keeping_time(self):
        now = timezone.now()
        with time_machine.travel(now - timedelta(days=800)):
            sign_in_records("long-ago")
            Customer.objects.create(name="Audited long ago")
        with time_machine.travel(now - timedelta(days=100)):
            sign_in_records("last-season")
            Customer.objects.create(name="Audited last season")
        sign_in_records("today")
        Customer.objects.create(name="Audited today")
        Erasure.objects.create(customer_id=1, counts={})
        Erasure.objects.filter().update(erased_at=now - timedelta(days=3000))

        summary = remove_expired_logs()

        self.assertEqual(summary, "removed 6 sign-in record(s) and 1 audit entr(ies)")
        for model in (AccessAttempt, AccessFailureLog, AccessLog):
            self.assertEqual(set(model.objects.values_list("username", flat=True)), {"today"})
        self.assertEqual(set(LogEntry.objects.values_list("object_repr", flat=True)),
                         {"Audited last season", "Audited today"})
        self.assertEqual(Erasure.objects.count(), 1)
