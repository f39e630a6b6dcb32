"""Marketing messages obey consent, quiet hours and the frequency cap at the moment they go."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import time_machine
from django.test import SimpleTestCase, override_settings

from tenure.crm.customers.models import ConsentSource, Customer
from tenure.crm.jobs.worker import Worker
from tenure.crm.messaging import hooks, outbox
from tenure.crm.messaging.models import Message, MessageChannel, MessageStatus
from tenure.crm.messaging.rules import QuietHours, next_allowed
from tenure.crm.messaging.testing import MailServer, SmppServer
from tenure.crm.testing import TenureTestCase

# Monday 7 December 2026, 12:00 UTC: 22:00 in Vladivostok (UTC+10), 14:00 in Kyiv (UTC+2).
NOON = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


class BeforeNoonTestCase(TenureTestCase):
    """Each test starts an hour before ``NOON`` (the clock running), so the messages it
    queues are due at noon whatever the day the tests run."""

    def setUp(self):
        super().setUp()
        traveller = time_machine.travel(NOON - timedelta(hours=1), tick=True)
        traveller.start()
        self.addCleanup(traveller.stop)
QUIET = QuietHours(time(21), time(9))
WEEK = timedelta(days=7)


def work() -> Worker:
    worker = Worker(schedule=[], batch=10, report=lambda line: None)
    worker.run(until_idle=True)
    return worker


def customer(name: str, zone: str = "Europe/Kyiv", **fields) -> Customer:
    return Customer.objects.create(
        name=name, email=f"{name.lower()}@example.com", phone=fields.pop("phone", ""),
        time_zone=zone, consent_email=True, consent_sms=True, **fields)


def marketing(to: Customer, channel: str = MessageChannel.EMAIL, **fields) -> Message:
    address = to.email if channel == MessageChannel.EMAIL else to.phone
    return outbox.queue(outbox.build_message(
        channel, to=address, subject="20 % off", text="This week only.", language="en",
        customer=to, marketing=fields.pop("marketing", True), time_zone=to.time_zone,
        **fields))


def mail(server: MailServer):
    return override_settings(EMAIL_BACKEND="tenure.crm.messaging.smtp.EmailBackend",
                             EMAIL_HOST="127.0.0.1", EMAIL_PORT=server.port)


class QuietHoursTestCase(BeforeNoonTestCase):
    def test_it_holds_a_message_until_nine_in_the_recipients_morning(self):
        vladivostok = customer("Vlad", "Asia/Vladivostok")
        kyiv = customer("Oksana", "Europe/Kyiv")
        held, sent = marketing(vladivostok), marketing(kyiv)
        with MailServer() as server, mail(server):
            with time_machine.travel(NOON, tick=True):
                first = work().totals
            held.refresh_from_db()
            with time_machine.travel(NOON + timedelta(hours=11, seconds=30), tick=True):
                second = work().totals
        self.assertEqual((first.sent, first.deferred), (1, 1))
        # 09:00 on Tuesday in Vladivostok is 23:00 on Monday in UTC.
        self.assertEqual(held.send_after, datetime(2026, 12, 7, 23, 0, tzinfo=UTC))
        self.assertEqual((held.status, held.attempts), (MessageStatus.QUEUED, 0))
        held.refresh_from_db()
        self.assertEqual((second.sent, held.status, held.error), (1, MessageStatus.SENT, ""))
        self.assertEqual([m["To"] for m in server.messages],
                         ["oksana@example.com", "vlad@example.com"])
        sent.refresh_from_db()
        self.assertEqual(sent.status, MessageStatus.SENT)

    def test_it_sends_a_service_message_in_quiet_hours(self):
        vladivostok = customer("Vlad", "Asia/Vladivostok")
        marketing(vladivostok, marketing=False)
        with MailServer() as server, mail(server), time_machine.travel(NOON, tick=True):
            work()
        self.assertEqual(len(server.messages), 1)


class FrequencyCapTestCase(BeforeNoonTestCase):
    def test_it_defers_a_third_marketing_message_within_seven_days(self):
        oksana = customer("Oksana", phone="+380501234567")
        earlier = [marketing(oksana), marketing(oksana, MessageChannel.SMS)]
        # Sent last Tuesday and Thursday at 10:00 UTC; the SMS counts as much as the email.
        for message, day in zip(earlier, (1, 3), strict=True):
            Message.objects.filter(pk=message.pk).update(
                status=MessageStatus.SENT, sent_at=datetime(2026, 12, day, 10, tzinfo=UTC))
        third = marketing(oksana)
        service = marketing(oksana, marketing=False)
        with MailServer() as server, mail(server), time_machine.travel(NOON, tick=True):
            totals = work().totals
        third.refresh_from_db()
        service.refresh_from_db()
        self.assertEqual((totals.sent, totals.deferred), (1, 1))
        # The 1 December send leaves the 7-day window on 8 December at 10:00 UTC (12:00 in
        # Kyiv, not quiet).
        self.assertEqual((third.status, third.send_after),
                         (MessageStatus.QUEUED, datetime(2026, 12, 8, 10, tzinfo=UTC)))
        self.assertEqual(service.status, MessageStatus.SENT)
        self.assertEqual(len(server.messages), 1)

        with MailServer() as server, mail(server), time_machine.travel(
                datetime(2026, 12, 8, 10, 0, 5, tzinfo=UTC), tick=True):
            self.assertEqual(work().totals.sent, 1)
        third.refresh_from_db()
        self.assertEqual(third.status, MessageStatus.SENT)

    def test_it_lets_two_marketing_messages_go_and_holds_the_third_in_one_batch(self):
        oksana = customer("Oksana", phone="+380501234567")
        messages = [marketing(oksana), marketing(oksana, MessageChannel.SMS), marketing(oksana)]
        with MailServer() as server, SmppServer() as smsc, mail(server), override_settings(
                SMPP_URL=smsc.url), time_machine.travel(NOON, tick=True):
            totals = work().totals
        self.assertEqual((totals.sent, totals.deferred), (2, 1))
        self.assertEqual((len(server.messages), len(smsc.messages)), (1, 1))
        messages[2].refresh_from_db()
        self.assertEqual(messages[2].status, MessageStatus.QUEUED)
        self.assertAlmostEqual((messages[2].send_after - (NOON + WEEK)).total_seconds(), 0,
                               delta=30)


class ConsentAtSendingTestCase(BeforeNoonTestCase):
    def test_it_cancels_a_message_whose_consent_was_withdrawn_after_queuing(self):
        oksana = customer("Oksana")
        offer = marketing(oksana)
        answer = marketing(oksana, marketing=False)
        oksana.set_consent("email", False, source=ConsentSource.WEB_FORM)
        with MailServer() as server, mail(server), time_machine.travel(NOON, tick=True):
            totals = work().totals
        offer.refresh_from_db()
        answer.refresh_from_db()
        self.assertEqual((totals.sent, totals.cancelled), (1, 1))
        self.assertEqual((offer.status, offer.error), (MessageStatus.CANCELLED,
                                                       "consent withdrawn"))
        self.assertEqual(answer.status, MessageStatus.SENT)
        self.assertEqual(len(server.messages), 1)

    def test_it_needs_the_messenger_consent_for_telegram(self):
        oksana = customer("Oksana", telegram_chat_id="1001")
        offer = outbox.queue(outbox.build_message(
            MessageChannel.TELEGRAM, to="1001", subject="", text="Offer", language="en",
            customer=oksana, marketing=True, time_zone=oksana.time_zone))
        # Email and SMS consents do not cover a messenger.
        self.assertFalse(hooks.consents(offer))
        oksana.set_consent("messenger", True, source=ConsentSource.WEB_FORM)
        self.assertTrue(hooks.consents(offer))


class NextAllowedTestCase(SimpleTestCase):
    def test_it_returns_now_when_nothing_holds(self):
        self.assertEqual(next_allowed(NOON, time_zone="Europe/Kyiv", sent=[NOON - WEEK],
                                      quiet_hours=QUIET, cap=2, cap_window=WEEK), NOON)

    def test_it_moves_quiet_hours_to_their_end_in_the_local_zone(self):
        self.assertEqual(
            next_allowed(NOON, time_zone="Asia/Vladivostok", quiet_hours=QUIET, cap=2,
                         cap_window=WEEK),
            datetime(2026, 12, 7, 23, tzinfo=UTC))
        # 02:00 in Vladivostok: the same morning, not the next.
        self.assertEqual(
            next_allowed(datetime(2026, 12, 7, 16, tzinfo=UTC), time_zone="Asia/Vladivostok",
                         quiet_hours=QUIET, cap=2, cap_window=WEEK),
            datetime(2026, 12, 7, 23, tzinfo=UTC))

    def test_it_waits_for_the_cap_then_for_the_morning(self):
        # Two sends at 20:00 UTC fill the cap; the first leaves the window at 20:00 UTC a
        # week later, 22:00 in Kyiv: quiet, so 09:00 Kyiv (07:00 UTC) the day after.
        sent = [datetime(2026, 12, 5, 20, tzinfo=UTC), datetime(2026, 12, 6, 20, tzinfo=UTC)]
        self.assertEqual(
            next_allowed(NOON, time_zone="Europe/Kyiv", sent=sent, quiet_hours=QUIET, cap=2,
                         cap_window=WEEK),
            datetime(2026, 12, 13, 7, tzinfo=UTC))

    def test_it_counts_only_the_sends_inside_the_window(self):
        sent = [NOON - timedelta(days=9), NOON - timedelta(days=8), NOON - timedelta(days=1)]
        self.assertEqual(next_allowed(NOON, sent=sent, quiet_hours=None, cap=2,
                                      cap_window=WEEK), NOON)
        self.assertEqual(next_allowed(NOON, sent=sent, quiet_hours=None, cap=1,
                                      cap_window=WEEK), NOON + timedelta(days=6))

    def test_it_reads_the_settings_by_default(self):
        with override_settings(TENURE_QUIET_HOURS="", TENURE_MARKETING_CAP=1,
                               TENURE_MARKETING_CAP_DAYS=2):
            self.assertEqual(next_allowed(NOON, sent=[NOON - timedelta(days=1)]),
                             NOON + timedelta(days=1))
        with override_settings(TENURE_QUIET_HOURS="10:00-13:00", TIME_ZONE="UTC"):
            self.assertEqual(next_allowed(NOON), NOON + timedelta(hours=1))


class MarketingSendsTestCase(TenureTestCase):
    def test_it_reads_what_the_cap_counts_for_many_customers_at_once(self):
        oksana, taras = customer("Oksana"), customer("Taras")
        rows = [  # customer, marketing, status, sent_at
            (oksana, True, MessageStatus.SENT, NOON - timedelta(days=1)),
            (oksana, True, MessageStatus.UNCONFIRMED, NOON - timedelta(days=6)),
            (oksana, True, MessageStatus.SENT, NOON - timedelta(days=8)),  # too old
            (oksana, False, MessageStatus.SENT, NOON - timedelta(days=1)),  # service
            (oksana, True, MessageStatus.FAILED, None),
            (taras, True, MessageStatus.HANDED, None),  # on its way: counts as now
            (taras, True, MessageStatus.QUEUED, None),
        ]
        for who, is_marketing, status, sent_at in rows:
            message = marketing(who, marketing=is_marketing)
            Message.objects.filter(pk=message.pk).update(status=status, sent_at=sent_at)
        sends = Message.objects.marketing_sends([oksana.pk, taras.pk, 999], NOON, 7)
        self.assertEqual(sorted(sends[oksana.pk]),
                         [NOON - timedelta(days=6), NOON - timedelta(days=1)])
        self.assertEqual((sends[taras.pk], sends[999]), ([NOON], []))
