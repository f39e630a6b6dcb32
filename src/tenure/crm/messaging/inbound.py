"""Read what people send us: Telegram updates (getUpdates) and SMS replies (deliver_sm).

``hooks.handle_inbound`` acts on each (the customers app binds a chat on
"/start <token>", withdraws consent on "/stop" or "STOP"). Updates are
confirmed to Telegram only after they were handled, so a crash in between
handles them again; the handlers do nothing the second time.
"""

from __future__ import annotations

import logging

from django.conf import settings

from . import channels, hooks
from .models import MessageChannel

log = logging.getLogger(__name__)


def read_replies(*, sms_seconds: float = 1.0) -> str:
    """Handle the replies waiting on every configured channel; return a summary."""
    done = []
    if settings.TELEGRAM_TOKEN:
        done.append(f"Telegram {read_telegram()}")
    if settings.SMPP_URL:
        done.append(f"SMS {read_sms(sms_seconds)}")
    return ", ".join(done) or "no channel to read"


def read_telegram(wait: int = 0) -> int:
    """Handle the bot's pending updates, waiting up to ``wait`` seconds; return how many."""
    bot = channels.TelegramChannel(settings.TELEGRAM_TOKEN, settings.TELEGRAM_BASE_URL)
    try:
        updates = bot.updates(offset=None, timeout=wait)
        for update in updates:
            message = update.message
            if message is None or not message.text:
                continue
            answer = hooks.handle_inbound(
                hooks.Inbound(MessageChannel.TELEGRAM, str(message.chat_id), message.text))
            if answer:
                _answer(bot, message.chat_id, answer)
        if updates:
            bot.updates(offset=updates[-1].update_id + 1)
        return len(updates)
    finally:
        bot.close()


def _answer(bot: channels.TelegramChannel, chat_id: int, text: str) -> None:
    try:
        bot.reply(chat_id, text)
    except channels.ChannelError as error:
        # The reply is a courtesy; what the person asked for is already done.
        log.warning("could not answer Telegram chat %s: %s", chat_id, error)


def read_sms(seconds: float) -> int:
    """Bind to the SMS gateway for ``seconds`` and handle the replies it passes on."""
    gateway = channels.SmsChannel(settings.SMPP_URL, settings.SMS_FROM)
    try:
        return gateway.poll(seconds)
    finally:
        gateway.close()
