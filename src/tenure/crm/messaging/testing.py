"""Real servers for tests and benchmarks: SMTP (aiosmtpd, a development dependency), a
small SMPP server, and a stand-in for the Telegram Bot API."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import socketserver
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


class _Inbox:
    """What a test server received (``messages``), with a way to wait for it."""

    messages: list
    _arrived: threading.Condition

    def wait_for(self, count: int, timeout: float = 20.0) -> list:
        """Wait until ``count`` messages arrived; return them all."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(self.messages)} of {count} messages arrived")
                self._arrived.wait(left)
            return list(self.messages)


class MailServer(_Inbox):
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


# --- SMPP ----------------------------------------------------------------------------------

BIND_TRANSCEIVER, SUBMIT_SM, DELIVER_SM, UNBIND, ENQUIRE_LINK = 0x09, 0x04, 0x05, 0x06, 0x15
RESPONSE = 0x80000000
_GSM = ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>"
        "?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ`¿abcdefghijklmnopqrstuvwxyzäöñüà"
        "````````````````````^```````````````````{}`````\\````````````[~]`"
        "|````````````````````````````````````€``````````````````````````")


@dataclass
class Sms:
    """One ``submit_sm`` the SMPP server accepted."""

    to: str
    text: str
    source: str
    data_coding: int


class _ThreadedServer:
    """A socketserver of a test, serving each connection in a thread of its own."""

    _server: socketserver.BaseServer

    def _serve(self, server: socketserver.ThreadingMixIn) -> None:
        self._server = server
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()


class SmppServer(_ThreadedServer, _Inbox):
    """A small SMSC on a free local port speaking enough SMPP 3.4 for the outbox.

    It answers bind_transceiver, submit_sm, enquire_link and unbind, and keeps every
    message it accepts. ``on_submit(server, sms)`` runs before the reply and may return
    an SMPP status to refuse the message (0x58 for throttling), or kill the sender.
    ``reply(phone, text)`` queues a customer's SMS (deliver_sm), passed to the bound
    client until it answers deliver_sm_resp.
    """

    def __init__(self, on_submit: Callable[[SmppServer, Sms], int | None] | None = None,
                 *, system_id: str = "tenure", password: str = "secret"):
        self.messages: list[Sms] = []
        self.refused: list[tuple[Sms, int]] = []
        self.on_submit = on_submit
        self.system_id, self.password = system_id, password
        self.binds = 0
        self._pending: list[tuple[str, str]] = []
        self._arrived = threading.Condition()
        self._server: socketserver.ThreadingTCPServer | None = None

    def __enter__(self) -> SmppServer:
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                outer._session(self.request)

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self._serve(socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler))
        return self

    @property
    def url(self) -> str:
        return f"smpp://{self.system_id}:{self.password}@127.0.0.1:{self._server.server_address[1]}"

    def reply(self, phone: str, text: str) -> None:
        """Queue an SMS from ``phone`` for the next bound client."""
        with self._arrived:
            self._pending.append((phone, text))

    @property
    def pending_replies(self) -> int:
        with self._arrived:
            return len(self._pending)

    def _session(self, sock: socket.socket) -> None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        reader = sock.makefile("rb")
        bound, delivering, sequence = False, None, 0x40000000
        while True:
            header = reader.read(16)
            if len(header) < 16:
                return
            length, command, _status, seq = struct.unpack(">IIII", header)
            body = reader.read(length - 16)
            if command == BIND_TRANSCEIVER:
                system_id, rest = _cstring(body)
                password, _rest = _cstring(rest)
                ok = (system_id, password) == (self.system_id, self.password)
                bound = ok
                self.binds += ok
                _send(sock, command | RESPONSE, 0 if ok else 0x0E, seq, b"tenure-smsc\0")
            elif command == SUBMIT_SM:
                sms = _submitted(body)
                status = self.on_submit(self, sms) if self.on_submit else None
                if status:
                    self.refused.append((sms, status))
                    _send(sock, command | RESPONSE, status, seq, b"\0")
                else:
                    with self._arrived:
                        self.messages.append(sms)
                        self._arrived.notify_all()
                    _send(sock, command | RESPONSE, 0, seq, f"m{len(self.messages)}\0".encode())
            elif command == ENQUIRE_LINK:
                _send(sock, command | RESPONSE, 0, seq, b"")
            elif command == UNBIND:
                _send(sock, command | RESPONSE, 0, seq, b"")
                return
            elif command == DELIVER_SM | RESPONSE and delivering is not None:
                with self._arrived:
                    self._pending.remove(delivering)
                delivering = None
            if bound and delivering is None:
                with self._arrived:
                    delivering = self._pending[0] if self._pending else None
                if delivering is not None:
                    sequence += 1
                    _send(sock, DELIVER_SM, 0, sequence, _deliver_body(*delivering))


def _send(sock: socket.socket, command: int, status: int, seq: int, body: bytes) -> None:
    sock.sendall(struct.pack(">IIII", 16 + len(body), command, status, seq) + body)


def _cstring(data: bytes) -> tuple[str, bytes]:
    end = data.index(b"\0")
    return data[:end].decode("latin-1"), data[end + 1:]


def _submitted(body: bytes) -> Sms:
    _service, rest = _cstring(body)
    source, rest = _cstring(rest[2:])
    to, rest = _cstring(rest[2:])
    # esm_class, protocol_id, priority_flag, then two times, then four single bytes.
    esm_class = rest[0]
    _schedule, rest = _cstring(rest[3:])
    _validity, rest = _cstring(rest)
    data_coding, length = rest[2], rest[4]
    raw = rest[5:5 + length]
    if raw[:1] == b"\x05" and esm_class & 0x40:  # a concatenated part: skip its UDH
        raw = raw[6:]
    return Sms(to=f"+{to}", text=_decode(raw, data_coding), source=source,
               data_coding=data_coding)


def _decode(raw: bytes, data_coding: int) -> str:
    if data_coding == 0x08:
        return raw.decode("utf-16-be")
    if data_coding == 0x03:
        return raw.decode("latin-1")
    chars, escape = [], False
    for byte in raw:
        if byte == 0x1B:
            escape = True
            continue
        chars.append(_GSM[byte + 0x80 if escape else byte])
        escape = False
    return "".join(chars)


def _deliver_body(phone: str, text: str) -> bytes:
    encoded = text.encode("utf-16-be")
    return (b"\0" + bytes([1, 1]) + phone.lstrip("+").encode() + b"\0" + bytes([0, 0])
            + b"tenure\0" + bytes([0, 0, 0]) + b"\0\0" + bytes([0, 0, 0x08, 0, len(encoded)])
            + encoded)


# --- Telegram Bot API ------------------------------------------------------------------------

@dataclass
class ChatMessage:
    """One sendMessage the fake Bot API accepted."""

    chat_id: str
    text: str


class BotApiServer(_ThreadedServer, _Inbox):
    """A local stand-in for the Telegram Bot API at ``base_url`` (getMe, sendMessage,
    getUpdates).

    ``on_send(server, message)`` runs before the answer and may return an HTTP status
    and a JSON body (``server.too_many(3)`` for a 429 with retry_after 3) or kill the
    sender. ``write(chat_id, text)`` queues an update as if a person wrote to the bot.
    """

    def __init__(self, on_send: Callable[[BotApiServer, ChatMessage], tuple | None] | None = None,
                 *, token: str = "123:test-token", username: str = "tenure_test_bot"):
        self.messages: list[ChatMessage] = []
        self.refused: list[ChatMessage] = []
        self.on_send = on_send
        self.token, self.username = token, username
        self.updates: list[dict] = []
        self._next_update = 1
        self._arrived = threading.Condition()
        self._server: ThreadingHTTPServer | None = None

    def __enter__(self) -> BotApiServer:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_POST(self):  # noqa: N802 (http.server's name)
                size = int(self.headers.get("Content-Length") or 0)
                fields = _form(self.headers.get("Content-Type", ""), self.rfile.read(size))
                status, answer = outer._answer(self.path, fields)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST  # noqa: N815

            def log_message(self, *args):
                pass

        self._serve(ThreadingHTTPServer(("127.0.0.1", 0), Handler))
        return self

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/bot"

    @staticmethod
    def too_many(retry_after: int) -> tuple[int, dict]:
        return 429, {"ok": False, "error_code": 429,
                     "description": f"Too Many Requests: retry after {retry_after}",
                     "parameters": {"retry_after": retry_after}}

    def write(self, chat_id: int, text: str) -> None:
        """Queue an update: the person in ``chat_id`` sent ``text`` to the bot."""
        with self._arrived:
            self.updates.append({"update_id": self._next_update, "message": {
                "message_id": self._next_update, "date": int(time.time()), "text": text,
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": chat_id, "is_bot": False, "first_name": "Customer"}}})
            self._next_update += 1

    def _answer(self, path: str, fields: dict) -> tuple[int, dict]:
        token, _slash, method = path.removeprefix("/bot").partition("/")
        if token != self.token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        if method == "getMe":
            return 200, {"ok": True, "result": {"id": 1, "is_bot": True, "first_name": "Tenure",
                                                "username": self.username}}
        if method == "getUpdates":
            offset = int(fields.get("offset") or 0)
            with self._arrived:
                # Asking from an offset confirms every update before it, as Telegram does.
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
                return 200, {"ok": True, "result": list(self.updates)}
        if method == "sendMessage":
            return self._send_message(fields)
        if method in ("close", "logOut", "deleteWebhook"):
            return 200, {"ok": True, "result": True}
        return 404, {"ok": False, "error_code": 404, "description": "Not Found"}

    def _send_message(self, fields: dict) -> tuple[int, dict]:
        message = ChatMessage(chat_id=str(fields.get("chat_id")), text=str(fields.get("text")))
        refusal = self.on_send(self, message) if self.on_send else None
        if refusal:
            self.refused.append(message)
            return refusal
        with self._arrived:
            self.messages.append(message)
            self._arrived.notify_all()
            number = len(self.messages)
        return 200, {"ok": True, "result": {
            "message_id": number, "date": int(time.time()), "text": message.text,
            "chat": {"id": int(message.chat_id), "type": "private"}}}


def _form(content_type: str, data: bytes) -> dict:
    if "json" in content_type:
        return json.loads(data or b"{}")
    return {key: values[0] for key, values in parse_qs(data.decode()).items()}
