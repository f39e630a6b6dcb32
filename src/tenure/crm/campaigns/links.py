"""The links in a campaign's message: ``{{ link }}`` counts a click on its way to the shop,
and every marketing message ends with a way to stop them on its channel.

A link carries its delivery's key (step, customer, occasion) signed, so it needs no row of
its own and cannot be guessed or changed into another customer's.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext as _

from tenure.crm.messaging.models import MessageChannel

SALT = "tenure.campaigns.link"


def token(step: int, customer: int, occasion: str) -> str:
    """Return the signed token of a delivery's key."""
    return signing.Signer(salt=SALT).sign_object([step, customer, occasion], compress=False)


def delivery_key(token_: str) -> tuple[int, int, str] | None:
    """Return the (step, customer, occasion) of ``token_``, or None if it was not ours."""
    try:
        step, customer, occasion = signing.Signer(salt=SALT).unsign_object(token_)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not (isinstance(step, int) and isinstance(customer, int) and isinstance(occasion, str)):
        return None
    return step, customer, occasion


def click_url(token_: str) -> str:
    return f"{settings.TENURE_BASE_URL}/m/{token_}/"


def stop_url(token_: str) -> str:
    return f"{settings.TENURE_BASE_URL}/m/{token_}/stop/"


def footer(channel: str, token_: str) -> str:
    """Return the last lines of a marketing message: how to stop them, in the active
    language."""
    if channel == MessageChannel.SMS:
        return _("Reply STOP to stop these messages.")
    if channel == MessageChannel.TELEGRAM:
        return _("Send /stop to stop these messages.")
    return _("To stop receiving offers by email: %(url)s") % {"url": stop_url(token_)}
