"""Each channel delivers through the outbox to a real local server, and honours its
gateway's rate limit."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.test import override_settings
from django.utils import timezone

from tenure.crm.jobs.worker import Worker
from tenure.crm.messaging import outbox
from tenure.crm.messaging.models import Message, MessageChannel, MessageStatus
from tenure.crm.messaging.testing import BotApiServer, SmppServer
from tenure.crm.testing import TenureTestCase


def gateways(smpp: SmppServer | None = None, bot: BotApiServer | None = None):
    return override_settings(
        SMPP_URL=smpp.url if smpp else "", SMS_FROM="Shop",
        TELEGRAM_TOKEN=bot.token if bot else "",
        TELEGRAM_BASE_URL=bot.base_url if bot else "",
    )


def queue(channel: str, to: list[str], text: str = "Hello {i}", **fields) -> list[Message]:
    return [outbox.queue(outbox.build_message(
        channel, to=address, subject="", text=text.format(i=i), language="en", **fields))
        for i, address in enumerate(to)]


def work(batch: int = 10) -> Worker:
    worker = Worker(schedule=[], batch=batch, report=lambda line: None)
    worker.run(until_idle=True)
    return worker


def statuses() -> list[str]:
    return list(Message.objects.order_by("id").values_list("status", flat=True))


PHONES = ["+380501234567", "+79141234567", "+380671112233"]


class SmsTestCase(TenureTestCase):
    def test_it_sends_each_sms_once_to_its_number(self):
        queue(MessageChannel.SMS, PHONES[:2])
        queue(MessageChannel.SMS, PHONES[2:], text="Знижка 20 % до неділі")
        with SmppServer() as smsc, gateways(smpp=smsc):
            totals = work().totals
        self.assertEqual(totals.sent, 3)
        self.assertEqual(sorted((m.to, m.text, m.source) for m in smsc.messages), [
            ("+380501234567", "Hello 0", "Shop"),
            ("+380671112233", "Знижка 20 % до неділі", "Shop"),
            ("+79141234567", "Hello 1", "Shop"),
        ])
        # GSM 7-bit for Latin text, UCS-2 for Cyrillic.
        self.assertEqual(sorted(m.data_coding for m in smsc.messages), [0, 0, 8])
        self.assertEqual(statuses(), [MessageStatus.SENT] * 3)
        self.assertEqual(smsc.binds, 1)

    def test_it_defers_a_throttled_sms_and_sends_it_later(self):
        queue(MessageChannel.SMS, PHONES)
        throttled = []

        def throttle_first(server, sms):
            if not throttled:
                throttled.append(sms.to)
                return 0x58
            return None

        start = timezone.now()
        with SmppServer(on_submit=throttle_first) as smsc, gateways(smpp=smsc):
            with time_machine.travel(start, tick=True):
                first = work().totals
            held = list(Message.objects.order_by("id"))
            with time_machine.travel(start + timedelta(seconds=2), tick=True):
                second = work().totals
        # The first was refused, the other two of the batch went back untried, all three
        # for one second (SMPP names no wait); none counted an attempt.
        self.assertEqual((first.sent, first.deferred), (0, 1))
        self.assertEqual([m.status for m in held], [MessageStatus.QUEUED] * 3)
        for message in held:
            self.assertAlmostEqual((message.send_after - start).total_seconds(), 1, delta=0.9)
        self.assertEqual([m.attempts for m in held], [0, 0, 0])
        self.assertIn("0x58", held[0].error)
        self.assertEqual(second.sent, 3)
        self.assertEqual(sorted(m.to for m in smsc.messages), sorted(PHONES))
        self.assertEqual(statuses(), [MessageStatus.SENT] * 3)

    def test_it_fails_an_sms_the_gateway_refuses_for_good(self):
        queue(MessageChannel.SMS, PHONES[:2])
        with SmppServer(on_submit=lambda s, sms: 0x0B if sms.to == PHONES[0] else None
                        ) as smsc, gateways(smpp=smsc):
            totals = work().totals
        self.assertEqual((totals.sent, totals.failed), (1, 1))
        refused = Message.objects.get(to_address=PHONES[0])
        self.assertEqual(refused.status, MessageStatus.FAILED)
        self.assertIn("0x0B", refused.error)

    def test_it_waits_while_the_gateway_refuses_the_password(self):
        queue(MessageChannel.SMS, PHONES)
        with SmppServer(password="other") as smsc, override_settings(
                SMPP_URL=smsc.url.replace(":other@", ":wrong@")):
            totals = work().totals
        self.assertEqual(totals.sent, 0)
        self.assertEqual(statuses(), [MessageStatus.QUEUED] * 3)
        self.assertEqual(sorted(Message.objects.values_list("attempts", flat=True)), [0, 0, 1])

    def test_it_leaves_sms_queued_without_a_gateway(self):
        queue(MessageChannel.SMS, PHONES[:1])
        with gateways():
            self.assertEqual(work().totals.sent, 0)
        self.assertEqual(statuses(), [MessageStatus.QUEUED])


class TelegramTestCase(TenureTestCase):
    def test_it_sends_each_telegram_message_once_to_its_chat(self):
        queue(MessageChannel.TELEGRAM, ["1001", "1002"], text="Привіт {i}")
        with BotApiServer() as bot, gateways(bot=bot):
            totals = work().totals
        self.assertEqual(totals.sent, 2)
        self.assertEqual(sorted((m.chat_id, m.text) for m in bot.messages),
                         [("1001", "Привіт 0"), ("1002", "Привіт 1")])
        self.assertEqual(statuses(), [MessageStatus.SENT] * 2)

    def test_it_waits_as_long_as_telegram_asks_after_a_429(self):
        queue(MessageChannel.TELEGRAM, ["1001", "1002"])
        refused = []

        def flood(server, message):
            if not refused:
                refused.append(message)
                return server.too_many(3)
            return None

        start = timezone.now()
        with BotApiServer(on_send=flood) as bot, gateways(bot=bot):
            with time_machine.travel(start, tick=True):
                first = work().totals
            held = list(Message.objects.order_by("id"))
            with time_machine.travel(start + timedelta(seconds=2), tick=True):
                early = work().totals
            with time_machine.travel(start + timedelta(seconds=4), tick=True):
                later = work().totals
        self.assertEqual((first.sent, first.deferred), (0, 1))
        for message in held:
            self.assertEqual(message.status, MessageStatus.QUEUED)
            self.assertAlmostEqual((message.send_after - start).total_seconds(), 3, delta=0.9)
        self.assertEqual(early.sent, 0)
        self.assertEqual(later.sent, 2)
        self.assertEqual(sorted(m.chat_id for m in bot.messages), ["1001", "1002"])

    def test_it_fails_a_message_to_a_chat_telegram_does_not_know(self):
        queue(MessageChannel.TELEGRAM, ["1001", "404"])

        def unknown(server, message):
            if message.chat_id == "404":
                return 400, {"ok": False, "error_code": 400,
                             "description": "Bad Request: chat not found"}
            return None

        with BotApiServer(on_send=unknown) as bot, gateways(bot=bot):
            totals = work().totals
        self.assertEqual((totals.sent, totals.failed), (1, 1))
        failed = Message.objects.get(to_address="404")
        self.assertEqual(failed.status, MessageStatus.FAILED)
        self.assertIn("Chat not found", failed.error)

    def test_it_sends_email_sms_and_telegram_in_one_batch(self):
        from tenure.crm.messaging.testing import MailServer

        queue(MessageChannel.EMAIL, ["a@example.com"])
        queue(MessageChannel.SMS, PHONES[:1])
        queue(MessageChannel.TELEGRAM, ["1001"])
        with MailServer() as mail, SmppServer() as smsc, BotApiServer() as bot, gateways(
                smpp=smsc, bot=bot), override_settings(
                EMAIL_BACKEND="tenure.crm.messaging.smtp.EmailBackend",
                EMAIL_HOST="127.0.0.1", EMAIL_PORT=mail.port):
            self.assertEqual(work().totals.sent, 3)
        self.assertEqual((len(mail.messages), len(smsc.messages), len(bot.messages)), (1, 1, 1))


class SmsReplyWhileSendingTestCase(TenureTestCase):
    def test_it_handles_a_stop_the_gateway_passes_on_during_a_batch(self):
        from tenure.crm.customers.models import Customer

        oksana = Customer.objects.create(name="Oksana", phone=PHONES[0], consent_sms=True,
                                         time_zone="UTC")
        queue(MessageChannel.SMS, PHONES[1:])
        with SmppServer() as smsc, gateways(smpp=smsc):
            smsc.reply(PHONES[0], "STOP")
            work()
            self.assertEqual(smsc.pending_replies, 0)
        oksana.refresh_from_db()
        self.assertFalse(oksana.consent_sms)
        self.assertEqual(len(smsc.messages), 2)
