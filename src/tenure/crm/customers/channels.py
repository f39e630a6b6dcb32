"""How customers are reached on each channel: consent at the moment of sending,
their Telegram chat bound through a /start link, and "stop" replies.

The outbox (messaging) sits below this app; ``CustomersConfig.ready`` hands it
``consents`` and ``on_inbound`` through ``messaging.hooks``.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from tenure.crm.messaging.hooks import Inbound
from tenure.crm.messaging.models import Message, MessageChannel

from .models import Channel, ConsentSource, Customer

log = logging.getLogger(__name__)

# The consent each message channel needs: a Telegram message is a messenger's.
CONSENT_OF = {MessageChannel.EMAIL: Channel.EMAIL, MessageChannel.SMS: Channel.SMS,
              MessageChannel.TELEGRAM: Channel.MESSENGER}
# Words that withdraw SMS consent, as people type them (compared without case or spaces).
SMS_STOP_WORDS = {"stop", "стоп", "unsubscribe", "відписатися", "отписаться"}
_SALT = "tenure.customers.telegram-start"


def consents(message: Message) -> bool:
    """Return whether ``message``'s customer agrees, now, to marketing on its channel."""
    if message.customer_id is None:
        return False
    field = f"consent_{CONSENT_OF[message.channel].value}"
    return bool(Customer.objects.filter(pk=message.customer_id)
                .values_list(field, flat=True).first())


def telegram_token(customer: Customer) -> str:
    """Return the /start parameter that binds a Telegram chat to ``customer``.

    Telegram allows 64 characters of ``A-Za-z0-9_-`` there, so the token is the
    customer's id and an HMAC of it (``django.core.signing``), joined by a dash.
    """
    return f"{customer.pk}-{_signer().signature(str(customer.pk))}"


def telegram_link(customer: Customer) -> str:
    """Return the deep link that opens the shop's bot and binds the customer's chat."""
    return f"https://t.me/{settings.TELEGRAM_BOT_NAME}?start={telegram_token(customer)}"


def customer_of_token(token: str) -> Customer | None:
    """Return the customer a /start token was made for; None for a forged or stale one."""
    pk, _dash, signature = token.strip().partition("-")
    if not pk.isdigit() or not constant_time_compare(signature, _signer().signature(pk)):
        return None
    return Customer.objects.filter(pk=int(pk)).first()


def _signer() -> signing.Signer:
    return signing.Signer(salt=_SALT)


def on_inbound(inbound: Inbound) -> str:
    """Act on a customer's message to the shop; return the answer to send back."""
    words = inbound.text.strip().split(maxsplit=1)
    command = words[0].lower().split("@")[0] if words else ""
    if inbound.channel == MessageChannel.TELEGRAM:
        if command == "/start":
            return _bind_telegram(inbound.address, words[1] if len(words) > 1 else "")
        if command == "/stop":
            return _withdraw(Customer.objects.filter(telegram_chat_id=inbound.address),
                             Channel.MESSENGER, ConsentSource.TELEGRAM_STOP)
    elif inbound.channel == MessageChannel.SMS and inbound.text.strip().lower() in SMS_STOP_WORDS:
        _withdraw(Customer.objects.filter(phone=inbound.address), Channel.SMS,
                  ConsentSource.SMS_STOP)
    return ""


@transaction.atomic
def _bind_telegram(chat_id: str, token: str) -> str:
    customer = customer_of_token(token)
    if customer is None:
        return _("This link is not valid. Please ask the shop for a new one.")
    # One chat, one customer: a chat bound before to someone else moves here.
    Customer.objects.filter(telegram_chat_id=chat_id).exclude(pk=customer.pk).update(
        telegram_chat_id="")
    Customer.objects.filter(pk=customer.pk).update(telegram_chat_id=chat_id)
    log.info("customer %s bound Telegram chat %s", customer.pk, chat_id)
    return _("Your chat is linked to your customer account. Send /stop to stop offers.")


def _withdraw(customers, channel: str, source: str) -> str:
    found = list(customers)
    for customer in found:
        customer.set_consent(channel, False, source=source)
    return _("You will receive no more offers here.") if found else ""
