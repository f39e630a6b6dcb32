"""The outbox on every channel: 10,000 emails, 10,000 SMS and 10,000 Telegram messages sent
by ``tenure worker`` to local servers (aiosmtpd, a small SMPP server, a stand-in Bot API),
each channel timed on its own, each message counted on the server's side.

Run by ``bench/run.py`` in its own process: ``python bench/channels_bench.py --json OUT``
with ``TENURE_DATABASE_URL`` pointing at an empty database. The messages are marketing
messages to consenting customers, so every send also passes the consent gate and the
frequency cap (raised to 3 for the bench: each customer gets one message per channel;
quiet hours off, so the figures do not depend on the hour).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenure.crm.settings")
os.environ["TENURE_DEBUG"] = "0"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=10_000, help="per channel")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--json", required=True)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    queue_seconds = _queue(args.messages)
    result = {"messages": args.messages, "queue_seconds": round(queue_seconds, 2),
              "channels": {channel: _send(channel, args.batch)
                           for channel in ("email", "sms", "telegram")}}
    with open(args.json, "w") as f:
        json.dump(result, f)
    return 0


def _queue(count: int) -> float:
    from tenure.crm.customers.models import Customer
    from tenure.crm.messaging import outbox
    from tenure.crm.messaging.models import Message

    started = time.perf_counter()
    customers = Customer.objects.bulk_create(
        (Customer(name=f"Customer {i}", email=f"c{i}@example.com", phone=f"+38050{i:07d}",
                  telegram_chat_id=str(100_000 + i), consent_email=True, consent_sms=True,
                  consent_messenger=True, time_zone="Europe/Kyiv") for i in range(count)),
        batch_size=2000)
    address = {"email": "email", "sms": "phone", "telegram": "telegram_chat_id"}
    for channel, field in address.items():
        Message.objects.bulk_create(
            (outbox.build_message(
                channel, to=getattr(c, field), subject="Spring offer",
                text=f"{channel} offer {c.pk}: 20 % off until Sunday", language="en",
                customer=c, marketing=True, time_zone=c.time_zone, key=f"bench:{channel}:{c.pk}")
             for c in customers), batch_size=2000)
    return time.perf_counter() - started


def _send(channel: str, batch: int) -> dict:
    from tenure.crm.messaging.models import Message, MessageStatus
    from tenure.crm.messaging.testing import BotApiServer, MailServer, SmppServer

    env = {**os.environ, "TENURE_QUIET_HOURS": "", "TENURE_MARKETING_CAP": "3"}
    for name in ("TENURE_EMAIL_URL", "TENURE_SMPP_URL", "TENURE_TELEGRAM_TOKEN"):
        env.pop(name, None)
    server = {"email": MailServer, "sms": SmppServer, "telegram": BotApiServer}[channel]()
    with server:
        if channel == "email":
            env["TENURE_EMAIL_URL"] = server.url
        elif channel == "sms":
            env["TENURE_SMPP_URL"] = server.url
        else:
            env["TENURE_TELEGRAM_TOKEN"] = server.token
            env["TENURE_TELEGRAM_BASE_URL"] = server.base_url
        started = time.perf_counter()
        worker = subprocess.Popen(
            [str(Path(sys.executable).with_name("tenure")), "worker", "--send-only", "--once",
             "--batch", str(batch), "-v", "0"], env=env)
        _, status, usage = os.wait4(worker.pid, 0)
        seconds = time.perf_counter() - started
        if channel == "email":
            texts = [m.get_body(preferencelist=("plain",)).get_content().strip()
                     for m in server.messages]
        else:
            texts = [m.text for m in server.messages]
    received = Counter(texts)
    rows = Message.objects.filter(channel=channel)
    queued = Counter(rows.values_list("body_text", flat=True))
    return {
        "worker_status": os.waitstatus_to_exitcode(status), "seconds": round(seconds, 2),
        "peak_mib": usage.ru_maxrss // 1024, "queued": sum(queued.values()),
        "received": sum(received.values()),
        "received_twice": sum(1 for n in received.values() if n > 1),
        "received_equals_queued": received == queued,
        "sent_status": rows.filter(status=MessageStatus.SENT).count(),
    }


if __name__ == "__main__":
    sys.exit(main())
