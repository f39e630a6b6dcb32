"""Django's SMTP backend, with a hook just before a message's end of data.

SMTP leaves one moment where a sender cannot know whether a message was
delivered: after it writes the final ``.`` line and before the server's
reply arrives. A worker killed there would, on restart, either send the
message twice or lose it. The outbox closes most of that gap by recording
"handed over" in the database *before* writing the final line: a message
still marked "sending" after a crash never reached the server and is safe to
send again; one marked "handed over" may have, and is not sent again.
"""

from __future__ import annotations

import re
import smtplib
import socket
from collections.abc import Callable

from django.core.mail.backends.smtp import EmailBackend as DjangoEmailBackend

CRLF = b"\r\n"


class _HandOver:
    """An SMTP connection that calls ``before_end_of_data`` before the final line."""

    before_end_of_data: Callable[[], None] | None = None

    def _get_socket(self, host, port, timeout):
        sock = super()._get_socket(host, port, timeout)
        # The end-of-data line goes out alone after the hand-over; with Nagle's algorithm it
        # would wait for the server's delayed acknowledgement, 40 ms on every message.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def data(self, msg):
        hook = self.before_end_of_data
        if hook is None:
            return super().data(msg)
        self.putcmd("data")
        code, reply = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        if isinstance(msg, str):
            msg = re.sub(r"(?:\r\n|\n|\r(?!\n))", "\r\n", msg).encode("ascii")
        # A line starting with "." would end the data early; RFC 5321 doubles it.
        body = re.sub(rb"(?m)^\.", b"..", msg)
        self.send(body if body.endswith(CRLF) else body + CRLF)
        # If the hook fails the final line is never written, so the server drops the message.
        hook()
        self.send(b"." + CRLF)
        return self.getreply()


class HandOverSMTP(_HandOver, smtplib.SMTP):
    pass


class HandOverSMTPSSL(_HandOver, smtplib.SMTP_SSL):
    pass


class EmailBackend(DjangoEmailBackend):
    """Django's SMTP backend whose ``send_handing_over`` reports the hand-over moment."""

    @property
    def connection_class(self):
        return HandOverSMTPSSL if self.use_ssl else HandOverSMTP

    def send_handing_over(self, email_message, hand_over: Callable[[], None]) -> None:
        """Send one message, calling ``hand_over`` just before its end of data.

        Raise the ``smtplib`` error when the server refuses it; close the
        connection on any failure, so the next message starts clean.
        """
        if self.connection is None:
            self.open()
        self.connection.before_end_of_data = hand_over
        try:
            sent = self._send(email_message)
        except BaseException:
            self._drop()
            raise
        finally:
            if self.connection is not None:
                self.connection.before_end_of_data = None
        if not sent:
            raise smtplib.SMTPRecipientsRefused({})

    def _drop(self) -> None:
        # No QUIT: in the middle of DATA the server would read it as part of the message.
        if self.connection is not None:
            try:
                self.connection.close()
            finally:
                self.connection = None
