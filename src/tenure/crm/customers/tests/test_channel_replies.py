"""Customers bind their Telegram chat with /start, and withdraw with /stop or an SMS "STOP"."""

from __future__ import annotations

from io import StringIO

from django.core.management import CommandError, call_command
from django.test import override_settings

from tenure.crm.customers.channels import customer_of_token, telegram_link, telegram_token
from tenure.crm.customers.models import ConsentChange, ConsentSource, Customer
from tenure.crm.messaging import inbound
from tenure.crm.messaging.testing import BotApiServer, SmppServer
from tenure.crm.testing import TenureTestCase


def bot_settings(bot: BotApiServer):
    return override_settings(TELEGRAM_TOKEN=bot.token, TELEGRAM_BASE_URL=bot.base_url,
                             TELEGRAM_BOT_NAME=bot.username)


class TelegramBindingTestCase(TenureTestCase):
    def setUp(self):
        self.oksana = Customer.objects.create(name="Oksana", email="o@example.com",
                                              consent_messenger=True)

    def test_it_binds_the_chat_that_sends_start_with_the_customers_token(self):
        with BotApiServer() as bot, bot_settings(bot):
            link = telegram_link(self.oksana)
            bot.write(555, f"/start {link.split('?start=')[1]}")
            self.assertEqual(inbound.read_telegram(), 1)
            # The update was confirmed: reading again finds nothing.
            self.assertEqual(inbound.read_telegram(), 0)
        self.assertTrue(link.startswith("https://t.me/tenure_test_bot?start="))
        self.oksana.refresh_from_db()
        self.assertEqual(self.oksana.telegram_chat_id, "555")
        self.assertEqual([(m.chat_id, "linked" in m.text) for m in bot.messages],
                         [("555", True)])

    def test_its_token_fits_telegrams_start_parameter(self):
        token = telegram_token(self.oksana)
        self.assertLessEqual(len(token), 64)
        self.assertRegex(token, r"^[A-Za-z0-9_-]+$")
        self.assertEqual(customer_of_token(token), self.oksana)

    def test_it_refuses_a_forged_token(self):
        other = Customer.objects.create(name="Taras")
        forged = f"{other.pk}-{telegram_token(self.oksana).split('-', 1)[1]}"
        with BotApiServer() as bot, bot_settings(bot):
            bot.write(555, f"/start {forged}")
            bot.write(556, "/start")
            inbound.read_telegram()
        self.assertFalse(Customer.objects.exclude(telegram_chat_id="").exists())
        self.assertEqual([("not valid" in m.text) for m in bot.messages], [True, True])

    def test_it_moves_a_chat_bound_before_to_the_new_customer(self):
        Customer.objects.create(name="Old", telegram_chat_id="555")
        with BotApiServer() as bot, bot_settings(bot):
            bot.write(555, f"/start {telegram_token(self.oksana)}")
            inbound.read_telegram()
        self.assertEqual(list(Customer.objects.filter(telegram_chat_id="555")), [self.oksana])

    def test_stop_withdraws_the_messenger_consent_with_its_source(self):
        Customer.objects.filter(pk=self.oksana.pk).update(telegram_chat_id="555")
        with BotApiServer() as bot, bot_settings(bot):
            bot.write(555, "/stop")
            bot.write(777, "/stop")  # a chat bound to nobody: nothing to withdraw
            self.assertEqual(inbound.read_telegram(), 2)
        self.oksana.refresh_from_db()
        self.assertFalse(self.oksana.consent_messenger)
        change = ConsentChange.objects.get(customer=self.oksana)
        self.assertEqual((change.channel, change.granted, change.source),
                         ("messenger", False, ConsentSource.TELEGRAM_STOP))
        self.assertEqual([m.chat_id for m in bot.messages], ["555"])


class SmsStopTestCase(TenureTestCase):
    def test_an_sms_stop_withdraws_the_sms_consent(self):
        oksana = Customer.objects.create(name="Oksana", phone="+380501234567",
                                         consent_sms=True, consent_email=True)
        taras = Customer.objects.create(name="Taras", phone="+380671112233", consent_sms=True)
        with SmppServer() as smsc, override_settings(SMPP_URL=smsc.url):
            smsc.reply("+380501234567", " Stop ")
            smsc.reply("+380671112233", "Thanks!")
            self.assertEqual(inbound.read_sms(0.5), 2)
            # Each reply was acknowledged, so the gateway passes it on only once.
            self.assertEqual(smsc.pending_replies, 0)
        oksana.refresh_from_db()
        taras.refresh_from_db()
        self.assertEqual((oksana.consent_sms, oksana.consent_email, taras.consent_sms),
                         (False, True, True))
        change = ConsentChange.objects.get(customer=oksana)
        self.assertEqual((change.channel, change.source), ("sms", ConsentSource.SMS_STOP))


class TelegramCommandTestCase(TenureTestCase):
    def test_telegram_poll_binds_a_chat_from_the_command_line(self):
        oksana = Customer.objects.create(name="Oksana")
        out = StringIO()
        with BotApiServer() as bot, bot_settings(bot):
            bot.write(42, f"/start {telegram_token(oksana)}")
            call_command("telegram", "poll", stdout=out)
        oksana.refresh_from_db()
        self.assertEqual((oksana.telegram_chat_id, out.getvalue().strip()),
                         ("42", "1 update(s) handled"))

    def test_telegram_poll_needs_a_token(self):
        with override_settings(TELEGRAM_TOKEN=""), self.assertRaisesMessage(
                CommandError, "TENURE_TELEGRAM_TOKEN"):
            call_command("telegram", "poll")
