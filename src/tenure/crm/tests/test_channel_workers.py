"""Real ``tenure worker`` processes on every channel: one killed between the hand-over and
the gateway's answer, and two working one outbox at once; each message arrives once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from tenure.crm.customers.models import Customer
from tenure.crm.messaging import outbox
from tenure.crm.messaging.models import Message, MessageChannel, MessageStatus
from tenure.crm.messaging.testing import BotApiServer, MailServer, SmppServer

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_does_not_resend_an_sms_handed_over_when_killed():
    _queue(MessageChannel.SMS, 40)
    worker: list[subprocess.Popen] = []

    def kill_before_answering(server, sms):
        # The 21st SMS is at the gateway, and the worker waits for submit_sm_resp.
        if len(server.messages) == 20:
            _kill_once(worker[0])

    with SmppServer(on_submit=kill_before_answering) as smsc:
        env = {"TENURE_SMPP_URL": smsc.url}
        worker.append(_start_worker(env))
        assert worker[0].wait(timeout=60) == -signal.SIGKILL
        assert _start_worker(env).wait(timeout=60) == 0
        received = Counter(m.text for m in smsc.messages)

    assert received == Counter({f"Hello {i}": 1 for i in range(40)})
    statuses = Counter(Message.objects.values_list("status", flat=True))
    assert statuses == {MessageStatus.SENT: 39, MessageStatus.UNCONFIRMED: 1}


def test_it_does_not_resend_a_telegram_message_handed_over_when_killed():
    _queue(MessageChannel.TELEGRAM, 40)
    worker: list[subprocess.Popen] = []

    def kill_before_answering(server, message):
        if len(server.messages) == 20:
            _kill_once(worker[0])

    with BotApiServer(on_send=kill_before_answering) as bot:
        env = {"TENURE_TELEGRAM_TOKEN": bot.token, "TENURE_TELEGRAM_BASE_URL": bot.base_url}
        worker.append(_start_worker(env))
        assert worker[0].wait(timeout=60) == -signal.SIGKILL
        assert _start_worker(env).wait(timeout=60) == 0
        received = Counter(m.text for m in bot.messages)

    assert received == Counter({f"Hello {i}": 1 for i in range(40)})
    statuses = Counter(Message.objects.values_list("status", flat=True))
    assert statuses == {MessageStatus.SENT: 39, MessageStatus.UNCONFIRMED: 1}


@pytest.mark.skipif(os.environ.get("TENURE_TEST_DATABASE_URL", "").startswith("sqlite")
                    or not os.environ.get("TENURE_TEST_DATABASE_URL"),
                    reason="several workers share an outbox on PostgreSQL")
def test_two_workers_send_each_message_once_on_every_channel():
    per_channel = 150
    for channel in MessageChannel.values:
        _queue(channel, per_channel)
    with MailServer() as mail, SmppServer() as smsc, BotApiServer() as bot:
        env = {"TENURE_EMAIL_URL": mail.url, "TENURE_SMPP_URL": smsc.url,
               "TENURE_TELEGRAM_TOKEN": bot.token, "TENURE_TELEGRAM_BASE_URL": bot.base_url}
        workers = [_start_worker(env), _start_worker(env)]
        assert [w.wait(timeout=120) for w in workers] == [0, 0]
        received = {
            MessageChannel.EMAIL: Counter(str(m["Subject"]) for m in mail.messages),
            MessageChannel.SMS: Counter(m.text for m in smsc.messages),
            MessageChannel.TELEGRAM: Counter(m.text for m in bot.messages),
        }
    for channel, texts in received.items():
        assert texts == Counter({f"Hello {i}": 1 for i in range(per_channel)}), channel
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.SENT}
    # Both workers took part (each claims batches of 10 from 450 messages).
    assert Message.objects.values("claimed_by").distinct().count() == 2


@pytest.mark.skipif(os.environ.get("TENURE_TEST_DATABASE_URL", "").startswith("sqlite")
                    or not os.environ.get("TENURE_TEST_DATABASE_URL"),
                    reason="several workers share an outbox on PostgreSQL")
def test_two_workers_keep_the_cap_of_each_customer():
    # A cap of one, and each customer's two offers next to each other in the queue, so
    # that the two workers, taking one message at a time, often hold the same customer's
    # two offers at once: still exactly one goes to each customer.
    customers = Customer.objects.bulk_create(
        Customer(name=f"C{i}", email=f"c{i}@example.com", phone=f"+38050{i:07d}",
                 telegram_chat_id=str(i), time_zone="UTC", consent_email=True,
                 consent_sms=True, consent_messenger=True) for i in range(60))
    pairs = [(MessageChannel.EMAIL, MessageChannel.SMS),
             (MessageChannel.SMS, MessageChannel.TELEGRAM),
             (MessageChannel.TELEGRAM, MessageChannel.EMAIL)]
    address = {MessageChannel.EMAIL: "email", MessageChannel.SMS: "phone",
               MessageChannel.TELEGRAM: "telegram_chat_id"}
    Message.objects.bulk_create(
        outbox.build_message(channel, to=getattr(c, address[channel]), subject="Offer",
                             text=f"Offer {n} to {c.pk}", language="en", customer=c,
                             marketing=True, time_zone="UTC")
        for c in customers for n, channel in enumerate(pairs[c.pk % 3]))
    with MailServer() as mail, SmppServer() as smsc, BotApiServer() as bot:
        env = {"TENURE_EMAIL_URL": mail.url, "TENURE_SMPP_URL": smsc.url,
               "TENURE_TELEGRAM_TOKEN": bot.token, "TENURE_TELEGRAM_BASE_URL": bot.base_url,
               "TENURE_QUIET_HOURS": "", "TENURE_MARKETING_CAP": "1"}
        workers = [_start_worker(env, batch=1), _start_worker(env, batch=1)]
        assert [w.wait(timeout=120) for w in workers] == [0, 0]
        delivered = len(mail.messages) + len(smsc.messages) + len(bot.messages)
    sent = Counter(Message.objects.filter(status=MessageStatus.SENT)
                   .values_list("customer_id", flat=True))
    assert sent == Counter({c.pk: 1 for c in customers})
    assert delivered == 60
    assert Message.objects.filter(status=MessageStatus.QUEUED).count() == 60


def _queue(channel: str, n: int) -> None:
    address = {MessageChannel.EMAIL: "c{i}@example.com", MessageChannel.SMS: "+38050{i:07d}",
               MessageChannel.TELEGRAM: "{i}"}[channel]
    Message.objects.bulk_create(outbox.build_message(
        channel, to=address.format(i=i + 1000), subject=f"Hello {i}", text=f"Hello {i}",
        language="en") for i in range(n))


def _kill_once(process: subprocess.Popen) -> None:
    """Kill the first worker on the spot (the restarted one reaches the same count too)."""
    if process.returncode is None:
        process.kill()
        process.wait()


def _start_worker(channels: dict, batch: int = 10) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tenure.crm.settings",
           "TENURE_DATABASE_URL": _database_url(), **channels}
    command = [str(Path(sys.executable).with_name("tenure")), "worker", "--send-only",
               "--once", "--batch", str(batch), "-v", "0"]
    return subprocess.Popen(command, env=env)


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
