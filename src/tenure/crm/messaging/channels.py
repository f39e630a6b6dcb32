"""Channel adapters: email over SMTP, SMS over SMPP, Telegram through the Bot API.

Each adapter has one contract, so the worker (``sending.py``) keeps one set of
states for all of them::

    adapter.send(message, hand_over)   # deliver one message, or raise
    adapter.close()

``send`` calls ``hand_over()`` just before it writes the bytes that could
deliver the message (SMTP's end-of-data line, the SMPP ``submit_sm``, the Bot
API request); ``hand_over`` records "handed over" in the database and may
raise, in which case nothing is written. Afterwards the adapter reports
trouble with one of three exceptions, which say whether the message can have
arrived:

- ``Throttled``: the gateway asked us to slow down and did not take the message;
- ``Refused``: the gateway answered and did not take the message (permanently
  or for now);
- ``Broken``: the connection failed; if it failed after the hand-over, the
  gateway may hold the message (``maybe_delivered``).
"""

from __future__ import annotations

import asyncio
import smtplib
import socket
import ssl
import warnings
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import unquote, urlsplit

import smpplib.client
import smpplib.consts
import smpplib.exceptions
import smpplib.gsm
import smpplib.smpp
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from . import hooks
from .models import Message, MessageChannel
from .smtp import EmailBackend as HandOverBackend

HandOver = Callable[[], None]
# SMPP's throttling error says nothing of how long to wait.
SMPP_THROTTLE_WAIT = timedelta(seconds=1)
# How long an SMPP or Bot API request may wait for its answer.
TIMEOUT_SECONDS = 30


class ChannelError(Exception):
    """A message the gateway did not take, or may not have taken."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Throttled(ChannelError):
    """The gateway refused the message for now because we send too fast."""

    def __init__(self, reason: str, retry_after: timedelta):
        super().__init__(reason)
        self.retry_after = retry_after


class Refused(ChannelError):
    """The gateway answered and did not take the message."""

    def __init__(self, reason: str, *, permanent: bool, halt: bool = False):
        super().__init__(reason)
        self.permanent = permanent
        # The refusal is the channel's (a wrong password), not this message's: stop the batch.
        self.halt = halt


class Broken(ChannelError):
    """The connection failed; the rest of the batch on this channel waits."""

    def __init__(self, reason: str, *, maybe_delivered: bool = True):
        super().__init__(reason)
        # False when the failure came before any byte of the message left (no connection).
        self.maybe_delivered = maybe_delivered


def configured() -> list[str]:
    """Return the channels this installation can send on (email always: console at worst)."""
    channels = [MessageChannel.EMAIL.value]
    if settings.SMPP_URL:
        channels.append(MessageChannel.SMS.value)
    if settings.TELEGRAM_TOKEN:
        channels.append(MessageChannel.TELEGRAM.value)
    return channels


def adapter_for(channel: str, *, email_backend=None):
    """Return a fresh adapter for ``channel``; it connects on its first message."""
    if channel == MessageChannel.SMS:
        return SmsChannel(settings.SMPP_URL, settings.SMS_FROM)
    if channel == MessageChannel.TELEGRAM:
        return TelegramChannel(settings.TELEGRAM_TOKEN, settings.TELEGRAM_BASE_URL)
    return EmailChannel(email_backend)


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:2000]


# --- email ------------------------------------------------------------------------------

class EmailChannel:
    """Email through Django's backend; over SMTP the hand-over precedes the end of data."""

    def __init__(self, backend=None):
        self.backend = backend or get_connection()

    def send(self, message: Message, hand_over: HandOver) -> None:
        email = _email(message)
        try:
            if isinstance(self.backend, HandOverBackend):
                self.backend.send_handing_over(email, hand_over)
            else:
                # Console, file and memory backends cannot half-deliver: record, then send.
                hand_over()
                self.backend.send_messages([email])
        except (smtplib.SMTPException, OSError) as error:
            code = _smtp_code(error)
            if code is None:
                raise Broken(_describe(error)) from error
            raise Refused(_describe(error), permanent=500 <= code < 600) from error

    def close(self) -> None:
        self.backend.close()


def _email(message: Message) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=message.subject, body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL, to=[message.to_email],
        # The same id on every attempt lets the receiving side spot a repeat.
        headers={"Message-ID": message.message_id},
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    return email


def _smtp_code(error: Exception) -> int | None:
    """Return the server's reply code, or None when the connection itself failed."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _reply in error.recipients.values()]
        return min(codes) if codes else 550
    return getattr(error, "smtp_code", None)


# --- SMS over SMPP ------------------------------------------------------------------------

# Gateway answers that mean "not now" rather than "never".
_SMPP_TEMPORARY = {0x08, 0x14, 0x64}  # system error, queue full, temporary application error
_SMPP_THROTTLED = 0x58
_SMPP_BIND_FAILED = {0x0D, 0x0E, 0x0F}  # bind failed, invalid password, invalid system id


class SmsChannel:
    """SMS through one SMPP transceiver session, bound on the first message of a batch.

    ``submit_sm`` carries the whole message, so the hand-over comes just before it is
    written. A text longer than one SMS goes as several concatenated parts: once the
    first is accepted, a failure of a later one leaves the message partly delivered,
    which is recorded as unconfirmed rather than sent again in full. Replies the gateway
    passes on while we are bound (``deliver_sm``, such as "STOP") go to ``hooks``.
    """

    def __init__(self, url: str, source: str):
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "localhost", parts.port or 2775
        self.system_id = unquote(parts.username or "")
        self.password = unquote(parts.password or "")
        self.tls = parts.scheme == "smpps"
        self.source = source
        self.client: smpplib.client.Client | None = None
        self.replies = 0

    def send(self, message: Message, hand_over: HandOver) -> None:
        self._open()
        parts, coding, esm_class = smpplib.gsm.make_parts(message.body_text)
        hand_over()
        for number, part in enumerate(parts):
            status = self._submit(message.to_address, part, coding, esm_class)
            if status == 0:
                continue
            reason = f"SMPP status 0x{status:02X}: {_smpp_description(status)}"
            if number > 0:
                raise Broken(f"part {number + 1} of {len(parts)} refused: {reason}")
            if status == _SMPP_THROTTLED:
                raise Throttled(reason, SMPP_THROTTLE_WAIT)
            raise Refused(reason, permanent=status not in _SMPP_TEMPORARY)

    def poll(self, seconds: float) -> int:
        """Read what the gateway sends for ``seconds``; return how many replies came."""
        self._open()
        before = self.replies
        self.client._socket.settimeout(seconds)
        try:
            while True:
                self._read(None)
        except TimeoutError:
            return self.replies - before
        except (smpplib.exceptions.ConnectionError, smpplib.exceptions.PDUError,
                OSError) as error:
            self._drop()
            raise Broken(_describe(error), maybe_delivered=False) from error
        finally:
            if self.client is not None:
                self.client._socket.settimeout(TIMEOUT_SECONDS)

    def close(self) -> None:
        if self.client is None:
            return
        try:
            self.client.unbind()
        except (smpplib.exceptions.PDUError, smpplib.exceptions.ConnectionError, OSError):
            pass
        finally:
            self.client.disconnect()
            self.client = None

    def _open(self) -> None:
        if self.client is not None:
            return
        client = smpplib.client.Client(
            self.host, self.port, timeout=TIMEOUT_SECONDS, allow_unknown_opt_params=True,
            ssl_context=ssl.create_default_context() if self.tls else None,
        )
        try:
            client.connect()
            client.bind_transceiver(system_id=self.system_id, password=self.password)
        except (smpplib.exceptions.ConnectionError, OSError) as error:
            client.disconnect()
            raise Broken(_describe(error), maybe_delivered=False) from error
        except smpplib.exceptions.PDUError as error:
            client.disconnect()
            status = error.args[1] if len(error.args) > 1 else 0
            if status in _SMPP_BIND_FAILED:
                # A wrong password is the installation's fault, not the message's: the batch
                # waits, and no attempt of a message is spent on it.
                raise Refused(f"SMPP bind refused: {error.args[0]}", permanent=False,
                              halt=True) from error
            raise Broken(_describe(error), maybe_delivered=False) from error
        # Nagle would hold each small submit_sm for the gateway's delayed acknowledgement.
        client._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.client = client

    def _submit(self, to: str, part: bytes, coding: int, esm_class: int) -> int:
        c = smpplib.consts
        pdu = smpplib.smpp.make_pdu(
            "submit_sm", client=self.client,
            source_addr_ton=c.SMPP_TON_ALNUM if not self.source.lstrip("+").isdigit()
            else c.SMPP_TON_INTL,
            source_addr=self.source, dest_addr_ton=c.SMPP_TON_INTL,
            dest_addr_npi=c.SMPP_NPI_ISDN, destination_addr=to.lstrip("+"),
            short_message=part, data_coding=coding, esm_class=esm_class,
        )
        try:
            self.client.send_pdu(pdu)
            while (status := self._read(pdu.sequence)) is None:
                pass
        except (smpplib.exceptions.ConnectionError, smpplib.exceptions.PDUError,
                OSError) as error:
            self._drop()
            raise Broken(_describe(error)) from error
        return status

    def _read(self, sequence: int | None) -> int | None:
        """Read one PDU; return its status if it answers ``sequence``, else act on it."""
        pdu = self.client.read_pdu()
        if pdu.command == "submit_sm_resp" and pdu.sequence == sequence:
            return int(pdu.status)
        if pdu.command == "enquire_link":
            answer = smpplib.smpp.make_pdu("enquire_link_resp", client=self.client)
        elif pdu.command == "deliver_sm":
            # Answered after it is handled: a crash in between has the gateway send it again.
            self._inbound(pdu)
            answer = smpplib.smpp.make_pdu("deliver_sm_resp", client=self.client)
        else:
            return None
        answer.sequence = pdu.sequence
        self.client.send_pdu(answer)
        return None

    def _inbound(self, pdu) -> None:
        # esm_class bit 2 marks a delivery receipt, not a person's reply.
        if int(pdu.esm_class or 0) & 0x04:
            return
        raw = pdu.short_message or b""
        text = raw.decode("utf-16-be" if int(pdu.data_coding or 0) == 0x08 else "latin-1",
                          errors="replace")
        address = (pdu.source_addr or b"").decode("ascii", errors="replace")
        hooks.handle_inbound(hooks.Inbound(MessageChannel.SMS, f"+{address.lstrip('+')}", text))
        self.replies += 1

    def _drop(self) -> None:
        if self.client is not None:
            self.client.disconnect()
            self.client = None


def _smpp_description(status: int) -> str:
    return smpplib.consts.DESCRIPTIONS.get(status, "unknown status")


# --- Telegram -----------------------------------------------------------------------------

class TelegramChannel:
    """Telegram messages through python-telegram-bot, one event loop per batch.

    The library is asynchronous; the worker is not. An ``asyncio.Runner`` opened on
    the first message and closed with the batch keeps one loop (and its HTTP
    connection) for the batch, and the database work in ``hand_over`` runs between
    two ``run`` calls, never inside the loop.
    """

    def __init__(self, token: str, base_url: str):
        self.token, self.base_url = token, base_url
        self.runner: asyncio.Runner | None = None
        self.bot = None

    def send(self, message: Message, hand_over: HandOver) -> None:
        self._open()
        hand_over()
        self._call(self.bot.send_message(chat_id=message.to_address, text=message.body_text))

    def updates(self, offset: int | None, timeout: int = 0) -> list:
        """Return the updates after ``offset`` (getUpdates); asking confirms the earlier ones."""
        self._open()
        return list(self._call(self.bot.get_updates(
            offset=offset, timeout=timeout, allowed_updates=["message"])))

    def reply(self, chat_id: int | str, text: str) -> None:
        """Answer a person who wrote to the bot (no outbox: they are waiting now)."""
        self._open()
        self._call(self.bot.send_message(chat_id=chat_id, text=text))

    def close(self) -> None:
        if self.runner is None:
            return
        try:
            self.runner.run(self.bot.shutdown())
        finally:
            self.runner.close()
            self.runner = self.bot = None

    def _open(self) -> None:
        # Imported here: the library takes a fifth of a second to load, and only a worker
        # with a bot configured needs it.
        from telegram import Bot
        from telegram.request import HTTPXRequest

        if self.runner is not None:
            return
        # Without TCP_NODELAY a request's body waits for the acknowledgement of its headers.
        request = HTTPXRequest(
            connection_pool_size=1, read_timeout=TIMEOUT_SECONDS, write_timeout=TIMEOUT_SECONDS,
            connect_timeout=TIMEOUT_SECONDS,
            socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
        self.runner = asyncio.Runner()
        self.bot = Bot(self.token, base_url=self.base_url, request=request,
                       get_updates_request=HTTPXRequest(read_timeout=TIMEOUT_SECONDS + 60))
        try:
            self._call(self.bot.initialize())
        except ChannelError as error:
            self.close()
            if isinstance(error, Broken):
                raise Broken(error.reason, maybe_delivered=False) from error
            raise

    def _call(self, coroutine):
        import httpx
        from telegram import error as tg

        try:
            return self.runner.run(coroutine)
        except tg.RetryAfter as error:
            raise Throttled(_describe(error), _retry_after(error)) from error
        except tg.InvalidToken as error:
            raise Refused(_describe(error), permanent=False, halt=True) from error
        except (tg.BadRequest, tg.Forbidden, tg.ChatMigrated) as error:
            raise Refused(_describe(error), permanent=True) from error
        except tg.NetworkError as error:
            # No connection at all: the request never left.
            unsent = isinstance(error.__cause__, httpx.ConnectError | httpx.ConnectTimeout)
            raise Broken(_describe(error), maybe_delivered=not unsent) from error
        except tg.TelegramError as error:
            raise Refused(_describe(error), permanent=False) from error


def _retry_after(error) -> timedelta:
    with warnings.catch_warnings():
        # Reading it as a number is deprecated in python-telegram-bot 22; either is fine here.
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value if isinstance(value, timedelta) else timedelta(seconds=float(value))
