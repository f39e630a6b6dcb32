"""How long logs about people are kept: sign-in attempts and the audit log.

Sign-in records (django-axes: user name, address, browser) go after
``TENURE_SIGNIN_LOG_DAYS``; audit entries (who viewed, exported or changed personal
data) after ``TENURE_AUDIT_LOG_DAYS``. ``tenure worker`` calls ``remove_expired_logs``
once a day. The erasure records (``Erasure``) hold no personal data and are kept.
"""

from __future__ import annotations

from datetime import timedelta

from auditlog.models import LogEntry
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.utils import timezone


def remove_expired_logs() -> str:
    """Delete sign-in and audit entries older than their keeping time; say how many."""
    now = timezone.now()
    signin_limit = now - timedelta(days=settings.TENURE_SIGNIN_LOG_DAYS)
    signins = sum(model.objects.filter(attempt_time__lt=signin_limit).delete()[0]
                  for model in (AccessAttempt, AccessFailureLog, AccessLog))
    audit_limit = now - timedelta(days=settings.TENURE_AUDIT_LOG_DAYS)
    audits = LogEntry.objects.filter(timestamp__lt=audit_limit).delete()[0]
    return f"removed {signins} sign-in record(s) and {audits} audit entr(ies)"
