from __future__ import annotations

import io
from contextlib import redirect_stderr
from email.utils import make_msgid

from django.core import mail
from django.core.management import call_command

from tenure.cli import main
from tenure.crm.messaging.models import Message, MessageStatus
from tenure.crm.testing import TenureTestCase


class WorkerCommandTestCase(TenureTestCase):
    def test_it_drains_the_outbox_once_and_says_what_it_did(self):
        Message.objects.create(template="t", language="en", to_email="o@example.com",
                               subject="Hello", body_text="Hi", message_id=make_msgid())
        out = io.StringIO()
        call_command("worker", "--once", "--send-only", stdout=out)
        self.assertEqual([m.subject for m in mail.outbox], ["Hello"])
        self.assertEqual(Message.objects.get().status, MessageStatus.SENT)
        self.assertIn("1 message(s) sent, 0 failed, 0 to retry; 0 job run(s).", out.getvalue())

    def test_a_batch_of_nothing_is_bad_usage(self):
        with redirect_stderr(io.StringIO()) as err:
            status = main(["worker", "--batch", "0"])
        self.assertEqual(status, 2)
        self.assertIn("is not a whole number above zero", err.getvalue())
