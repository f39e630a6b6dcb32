"""A real SMTP server for tests and benchmarks (aiosmtpd, a development dependency)."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from collections.abc import Callable
from email.message import EmailMessage


class MailServer:
    """An SMTP server on a free local port that keeps every message it accepts.

    ``on_message(server, message)`` runs inside the server before it replies,
    which lets a test act at the most awkward moment for the sender.
    """

    def __init__(self, on_message: Callable[[MailServer, EmailMessage], None] | None = None,
                 *, on_recipient: Callable[[MailServer, str], str | None] | None = None):
        self.messages: list[EmailMessage] = []
        self.on_message = on_message
        # May return an SMTP reply (e.g. "550 no such user") to refuse the recipient.
        self.on_recipient = on_recipient
        self._arrived = threading.Condition()
        self.port = _free_port()
        self._controller = None

    def __enter__(self) -> MailServer:
        from aiosmtpd.controller import Controller

        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self._controller.stop()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.on_recipient is not None:
            refusal = self.on_recipient(self, address)
            if refusal:
                return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        if self.on_message is not None:
            self.on_message(self, message)
        with self._arrived:
            self.messages.append(message)
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 20.0) -> list[EmailMessage]:
        """Wait until ``count`` messages arrived; return them all."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(self.messages)} of {count} messages arrived")
                self._arrived.wait(left)
            return list(self.messages)

    def to(self, address: str) -> list[EmailMessage]:
        """Return the messages addressed to ``address``."""
        return [m for m in self.messages if address in str(m["To"])]


def text_of(message: EmailMessage) -> str:
    """Return the plain-text body of ``message``."""
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


def html_of(message: EmailMessage) -> str:
    """Return the HTML body of ``message`` (empty when it has none)."""
    part = message.get_body(preferencelist=("html",))
    return part.get_content() if part is not None else ""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
