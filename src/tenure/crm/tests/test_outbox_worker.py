from __future__ import annotations

from datetime import timedelta
from email.utils import make_msgid

from django.test import override_settings
from django.utils import timezone

from tenure.crm.customers.models import Customer
from tenure.crm.jobs.models import WorkerProcess
from tenure.crm.jobs.worker import Worker
from tenure.crm.messaging.models import Message, MessageStatus
from tenure.crm.messaging.sending import claim, recover_abandoned
from tenure.crm.messaging.testing import MailServer, html_of, text_of
from tenure.crm.testing import TenureTestCase


def queue(n: int, customer=None, **fields) -> list[Message]:
    return Message.objects.bulk_create(
        Message(template="test", language="en", customer=customer, to_email=f"c{i}@example.com",
                subject=f"Hello {i}", body_text=f"Body {i}", message_id=make_msgid(domain="t"),
                **fields)
        for i in range(n)
    )


def smtp(server: MailServer):
    return override_settings(
        EMAIL_BACKEND="tenure.crm.messaging.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1", EMAIL_PORT=server.port,
    )


def work() -> Worker:
    worker = Worker(schedule=[], batch=7, report=lambda line: None)
    worker.run(until_idle=True)
    return worker


class SendingTestCase(TenureTestCase):
    def test_it_sends_every_queued_message_once_with_its_message_id(self):
        messages = queue(20)
        with MailServer() as server, smtp(server):
            totals = work().totals
        self.assertEqual(totals.sent, 20)
        self.assertEqual(
            sorted(m["Message-ID"] for m in server.messages),
            sorted(m.message_id for m in messages),
        )
        self.assertEqual(Message.objects.filter(status=MessageStatus.SENT).count(), 20)
        self.assertFalse(Message.objects.filter(sent_at__isnull=True).exists())

    def test_it_sends_text_and_html(self):
        queue(1, body_html="<p>Hi <b>there</b></p>")
        with MailServer() as server, smtp(server):
            work()
        self.assertEqual(text_of(server.messages[0]).strip(), "Body 0")
        self.assertIn("<b>there</b>", html_of(server.messages[0]))

    def test_it_keeps_a_line_starting_with_a_dot(self):
        queue(1)
        Message.objects.update(body_text="first\n.\n..second")
        with MailServer() as server, smtp(server):
            work()
        self.assertEqual(text_of(server.messages[0]).splitlines(), ["first", ".", "..second"])

    def test_it_waits_for_the_send_time(self):
        queue(1, send_after=timezone.now() + timedelta(hours=1))
        with MailServer() as server, smtp(server):
            work()
        self.assertEqual(server.messages, [])
        self.assertEqual(Message.objects.get().status, MessageStatus.QUEUED)

    def test_it_fails_a_permanently_refused_recipient_and_sends_the_rest(self):
        queue(3)
        with MailServer(on_recipient=lambda s, a: "550 no such user" if a == "c1@example.com"
                        else None) as server, smtp(server):
            totals = work().totals
        self.assertEqual((totals.sent, totals.failed), (2, 1))
        failed = Message.objects.get(to_email="c1@example.com")
        self.assertEqual(failed.status, MessageStatus.FAILED)
        self.assertIn("550", failed.error)

    def test_it_retries_a_temporary_refusal_later(self):
        queue(1)
        with MailServer(on_recipient=lambda s, a: "451 try later") as server, smtp(server):
            totals = work().totals
        message = Message.objects.get()
        self.assertEqual((totals.deferred, message.status, message.attempts),
                         (1, MessageStatus.QUEUED, 1))
        self.assertGreater(message.send_after, timezone.now() + timedelta(minutes=1))

    def test_it_defers_the_batch_when_the_server_is_down(self):
        queue(3)
        with MailServer() as server:
            port = server.port
        with override_settings(EMAIL_BACKEND="tenure.crm.messaging.smtp.EmailBackend",
                               EMAIL_HOST="127.0.0.1", EMAIL_PORT=port):
            totals = work().totals
        self.assertEqual(totals.sent, 0)
        self.assertEqual(Message.objects.filter(status=MessageStatus.QUEUED).count(), 3)
        # Only the message tried counts an attempt; the rest were given back untried.
        self.assertEqual(sorted(Message.objects.values_list("attempts", flat=True)), [0, 0, 1])

    def test_it_claims_a_message_for_one_worker_only(self):
        queue(5)
        first, second = WorkerProcess.start(), WorkerProcess.start()
        self.assertEqual(len(claim(first, 3)), 3)
        self.assertEqual(len(claim(second, 10)), 2)
        self.assertEqual(claim(first, 10), [])

    def test_it_resends_unsent_and_keeps_handed_over_messages_of_a_dead_worker(self):
        unsent, handed = queue(2)
        dead = WorkerProcess.start()
        claim(dead, 2)
        Message.objects.filter(pk=handed.pk).update(status=MessageStatus.HANDED)
        recover_abandoned([dead])
        unsent.refresh_from_db()
        handed.refresh_from_db()
        self.assertEqual((unsent.status, unsent.claimed_by), (MessageStatus.QUEUED, None))
        self.assertEqual(handed.status, MessageStatus.UNCONFIRMED)

    def test_it_takes_back_the_work_of_a_worker_on_this_host_that_died(self):
        queue(1)
        dead = WorkerProcess.start()
        WorkerProcess.objects.filter(pk=dead.pk).update(pid=2 ** 22 + 1)  # no such process
        claim(dead, 1)
        with MailServer() as server, smtp(server):
            work()
        self.assertEqual(len(server.messages), 1)
        self.assertEqual(Message.objects.get().status, MessageStatus.SENT)

    def test_it_leaves_the_work_of_a_live_worker_alone(self):
        queue(1)
        alive = WorkerProcess.start()  # this very process, heartbeat just now
        claim(alive, 1)
        with MailServer() as server, smtp(server):
            work()
        self.assertEqual(server.messages, [])
        self.assertEqual(Message.objects.get().status, MessageStatus.SENDING)

    def test_it_links_a_message_to_the_customer(self):
        customer = Customer.objects.create(name="Iryna", email="iryna@example.com")
        queue(1, customer=customer)
        self.assertEqual(customer.messages.count(), 1)
