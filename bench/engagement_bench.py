"""Customer 360 and the outbox: the customer page of a customer with 5,000 timeline events,
and 10,000 survey emails sent to a local SMTP server by ``tenure worker``.

Run by ``bench/run.py`` in its own process: ``python bench/engagement_bench.py --json OUT``
with ``TENURE_DATABASE_URL`` pointing at an empty database.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from email.utils import make_msgid
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenure.crm.settings")
os.environ.setdefault("TENURE_ALLOWED_HOSTS", "testserver")
os.environ["TENURE_DEBUG"] = "0"

from pages import _stats, _time  # noqa: E402

# How the 5,000 events of the busy customer split over the timeline's sources.
EVENTS = {"order": 1500, "interaction": 1500, "activity": 600, "complaint": 300,
          "answer": 300, "message": 800}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--surveys", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", required=True)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    result = {"page": customer_page(args.requests, random.Random(args.seed)),
              "surveys": survey_emails(args.surveys)}
    with open(args.json, "w") as f:
        json.dump(result, f)
    return 0


# --- the customer page ------------------------------------------------------------------

def customer_page(requests: int, rng: random.Random) -> dict:
    """Time the customer page of a customer with 5,000 events, whole and filtered."""
    from django.test import Client

    busy, manager = _busy_customer(rng)
    client = Client()
    client.force_login(manager)
    url = f"/customers/{busy.pk}/"
    _time(client, url, "Timeline")  # warm the caches once
    timings = {
        "everything": _stats([_time(client, url, "Timeline") for _ in range(requests)]),
        "interactions only": _stats([_time(client, f"{url}?kind=interaction", "Timeline")
                                     for _ in range(requests)]),
    }
    return {"events": sum(EVENTS.values()), "split": EVENTS, "timings": timings}


def _busy_customer(rng: random.Random):
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from tenure.crm.accounts.models import Role, User
    from tenure.crm.customers.models import Customer
    from tenure.crm.engagement.models import Activity, Complaint, Interaction
    from tenure.crm.feedback.models import Answer, Invitation, Survey
    from tenure.crm.messaging.models import Message, MessageStatus
    from tenure.crm.sales.models import Order

    manager = User.objects.create_user("bench-manager", password="x")
    manager.groups.add(Group.objects.get(name=Role.SALES_MANAGER))
    busy = Customer.objects.create(name="Busy Customer", email="busy@example.com",
                                   manager=manager)
    now = timezone.now()

    def moments(n):
        return sorted((now - timedelta(minutes=rng.randrange(5 * 365 * 24 * 60))
                       for _ in range(n)), reverse=True)

    Order.objects.bulk_create(
        Order(external_id=f"B{i}", customer=busy, ordered_at=t, total=Decimal("25.00"))
        for i, t in enumerate(moments(EVENTS["order"])))
    Interaction.objects.bulk_create(
        Interaction(customer=busy, kind="call", direction="out", occurred_at=t, manager=manager,
                    summary="Talked about the new collection.")
        for t in moments(EVENTS["interaction"]))
    Activity.objects.bulk_create(
        Activity(customer=busy, subject="Follow-up call", due_at=t, reminder_at=t,
                 assignee=manager, status="done", completed_at=t)
        for t in moments(EVENTS["activity"]))
    Complaint.objects.bulk_create(
        Complaint(customer=busy, category="delivery", description="Late parcel.", opened_at=t,
                  due_at=t + timedelta(days=3), status="closed", resolved_at=t, closed_at=t)
        for t in moments(EVENTS["complaint"]))
    survey = Survey.objects.create(name="After purchase", kind="nps", trigger="purchase",
                                   is_active=False)
    invitations = Invitation.objects.bulk_create(
        Invitation(survey=survey, customer=busy, occasion=f"bench:{i}", created_at=t,
                   expires_at=t + timedelta(days=30))
        for i, t in enumerate(moments(EVENTS["answer"])))
    Answer.objects.bulk_create(
        Answer(invitation=inv, customer=busy, kind="nps", score=rng.randrange(11),
               answered_at=inv.created_at + timedelta(hours=2))
        for inv in invitations)
    Message.objects.bulk_create(
        Message(template="survey", language="en", customer=busy, to_email=busy.email,
                subject="How did we do?", body_text="...", message_id=make_msgid(),
                status=MessageStatus.SENT, created_at=t, sent_at=t)
        for t in moments(EVENTS["message"]))
    return busy, manager


# --- survey emails ------------------------------------------------------------------------

def survey_emails(count: int) -> dict:
    """Queue ``count`` survey invitations and send them with ``tenure worker``."""
    from django.utils import timezone

    from tenure.crm.feedback.models import Invitation
    from tenure.crm.feedback.sending import queue_due_surveys
    from tenure.crm.messaging.models import Message, MessageStatus
    from tenure.crm.messaging.testing import MailServer

    _buyers(count)
    started = time.perf_counter()
    queued = queue_due_surveys(timezone.now()).done
    queue_seconds = time.perf_counter() - started

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tenure.crm.settings"}
    with MailServer() as server:
        env["TENURE_EMAIL_URL"] = server.url
        started = time.perf_counter()
        status = subprocess.call(
            [str(Path(sys.executable).with_name("tenure")), "worker", "--send-only", "--once",
             "--batch", "500", "-v", "0"], env=env)
        send_seconds = time.perf_counter() - started
        received = Counter(m["Message-ID"] for m in server.messages)

    survey_messages = Message.objects.filter(invitation__isnull=False)
    logged = Counter(survey_messages.values_list("message_id", flat=True))
    sent = survey_messages.filter(status=MessageStatus.SENT).count()
    return {
        "customers": count, "queued": queued, "queue_seconds": round(queue_seconds, 2),
        "worker_status": status, "send_seconds": round(send_seconds, 2),
        "received": sum(received.values()), "received_twice": sum(
            1 for n in received.values() if n > 1),
        "logged": sum(logged.values()), "sent_status": sent,
        "invitations": Invitation.objects.filter(survey__name="How did we do?").count(),
        "received_equals_logged": received == logged,
    }


def _buyers(count: int) -> None:
    """Create ``count`` consenting customers who each bought four days ago."""
    from django.utils import timezone

    from tenure.crm.customers.models import Customer
    from tenure.crm.feedback.models import Survey
    from tenure.crm.sales.models import Order

    customers = Customer.objects.bulk_create(
        Customer(name=f"Buyer {i}", email=f"buyer{i}@example.com", consent_email=True,
                 language=("en", "ru", "uk")[i % 3])
        for i in range(count))
    bought = timezone.now() - timedelta(days=4)
    Order.objects.bulk_create(
        (Order(external_id=f"S{c.pk}", customer=c, ordered_at=bought, total=Decimal("40.00"))
         for c in customers), batch_size=2000)
    Survey.objects.create(name="How did we do?", kind="nps", trigger="purchase", delay_days=3)


if __name__ == "__main__":
    sys.exit(main())
