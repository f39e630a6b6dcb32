"""What the apps above messaging tell it: who consents, and what to do with a reply.

Messaging sits below the customers app and cannot import it, yet the worker
must ask, at the moment of sending, whether the customer still agrees, and a
customer's "/start" or "STOP" must reach their record. The customers app
registers one function for each from its ``AppConfig.ready``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .models import Message


@dataclass(frozen=True)
class Inbound:
    """A message a person sent us: the channel, their address on it, and the text."""

    channel: str
    # The chat id on Telegram, the phone number (as the gateway gives it) for SMS.
    address: str
    text: str


# Return whether the message's customer consents to marketing on its channel now.
ConsentGate = Callable[[Message], bool]
# Act on an inbound message; return a reply to send back, or "" for none.
InboundHandler = Callable[[Inbound], str]

_consent_gate: ConsentGate | None = None
_inbound_handler: InboundHandler | None = None


def register(*, consent_gate: ConsentGate, inbound_handler: InboundHandler) -> None:
    """Install the customers app's consent check and reply handler (from its ``ready``)."""
    global _consent_gate, _inbound_handler
    _consent_gate, _inbound_handler = consent_gate, inbound_handler


def consents(message: Message) -> bool:
    """Return whether the marketing ``message`` may still go; without a gate, it may not."""
    return _consent_gate is not None and _consent_gate(message)


def handle_inbound(inbound: Inbound) -> str:
    """Pass a reply to the registered handler; return its answer ("" when none)."""
    return _inbound_handler(inbound) if _inbound_handler is not None else ""
