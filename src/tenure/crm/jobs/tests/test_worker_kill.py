"""A worker killed in the middle of sending, and restarted, sends every message exactly once.

The worker runs as a real ``tenure worker`` process against the test database
and a real SMTP server; the server kills it at the two moments that matter.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from email.utils import make_msgid
from pathlib import Path

import pytest
from django.db import connection

from tenure.crm.messaging.models import Message, MessageStatus
from tenure.crm.messaging.testing import MailServer

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_does_not_resend_a_message_handed_over_when_killed():
    sent = _queue(60)
    worker: list[subprocess.Popen] = []

    def kill_before_replying(server, message):
        # The 21st message is complete at the server, and the worker waits for the reply.
        if len(server.messages) == 20:
            _kill_once(worker[0])

    with MailServer(on_message=kill_before_replying) as server:
        worker.append(_start_worker(server))
        assert worker[0].wait(timeout=60) == -signal.SIGKILL
        assert _start_worker(server).wait(timeout=60) == 0

    assert _delivered(server) == Counter({m.message_id: 1 for m in sent})
    statuses = Counter(Message.objects.values_list("status", flat=True))
    assert statuses == {MessageStatus.SENT: 59, MessageStatus.UNCONFIRMED: 1}


def test_it_resends_a_message_whose_data_the_server_never_got():
    sent = _queue(40)
    worker: list[subprocess.Popen] = []

    def kill_during_recipients(server, address):
        # The 16th message has its envelope, but no data yet.
        if len(server.messages) == 15:
            _kill_once(worker[0])

    with MailServer(on_recipient=kill_during_recipients) as server:
        worker.append(_start_worker(server))
        assert worker[0].wait(timeout=60) == -signal.SIGKILL
        assert len(server.messages) == 15
        assert _start_worker(server).wait(timeout=60) == 0

    assert _delivered(server) == Counter({m.message_id: 1 for m in sent})
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.SENT}


def _kill_once(process: subprocess.Popen) -> None:
    """Kill the first worker on the spot (the restarted one reaches the same count too)."""
    if process.returncode is None:
        process.kill()
        process.wait()


def _queue(n: int) -> list[Message]:
    return Message.objects.bulk_create(
        Message(template="test", language="en", to_email=f"c{i}@example.com",
                subject=f"Hello {i}", body_text=f"Body {i}", message_id=make_msgid(domain="t"))
        for i in range(n)
    )


def _delivered(server: MailServer) -> Counter:
    return Counter(m["Message-ID"] for m in server.messages)


def _start_worker(server: MailServer) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tenure.crm.settings",
        "TENURE_DATABASE_URL": _database_url(),
        "TENURE_EMAIL_URL": server.url,
    }
    command = [str(Path(sys.executable).with_name("tenure")), "worker", "--send-only",
               "--once", "--batch", "10", "-v", "0"]
    return subprocess.Popen(command, env=env)


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
