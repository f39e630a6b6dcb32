"""The pages a campaign's recipient opens: no sign-in, the link's signed token is the key.

``click`` counts the first click of a delivery and goes on to the campaign's link;
``stop`` asks, then withdraws the customer's consent on the message's channel.
"""

from __future__ import annotations

from contextlib import nullcontext

from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from tenure.crm.customers.models import Channel, ConsentSource
from tenure.crm.messaging.models import MessageChannel

from . import links
from .models import Delivery

NOT_FOUND = (_("This link does not work"),
             _("It may have been copied incompletely. Please open the link from the message "
               "again."))
THANKS = (_("Thank you"), _("Thank you for your interest."))
STOP_QUESTION = _("Stop receiving our offers?")
STOP_TEXT = _("We will no longer send offers and greetings to %(address)s. Messages about "
              "your own orders and complaints still reach you.")
# A message's channel -> the consent it needs.
CONSENTS = {MessageChannel.EMAIL: Channel.EMAIL, MessageChannel.SMS: Channel.SMS,
            MessageChannel.TELEGRAM: Channel.MESSENGER}


def _delivery(token: str) -> Delivery | None:
    key = links.delivery_key(token)
    if key is None:
        return None
    step, customer, occasion = key
    return (Delivery.objects.select_related("step__campaign", "customer", "message")
            .filter(step=step, customer=customer, occasion=occasion).first())


def _render(request, delivery: Delivery | None, template: str, context: dict,
            status: int = 200):
    language = delivery.customer.message_language if delivery else None
    with translation.override(language) if language else nullcontext():
        response = render(request, template, context, status=status)
        response.headers["Content-Language"] = translation.get_language()
    return response


def _notice(request, delivery, status: int, notice: tuple):
    title, text = notice
    # The survey pages' notice: the same layout for every public page.
    return _render(request, delivery, "feedback/public/notice.html",
                   {"title": title, "text": text}, status)


@never_cache
@require_safe
def click(request, token: str):
    """Count the delivery's first click, then go on to the campaign's link."""
    delivery = _delivery(token)
    if delivery is None:
        return _notice(request, None, 404, NOT_FOUND)
    Delivery.objects.filter(pk=delivery.pk, clicked_at__isnull=True).update(
        clicked_at=timezone.now())
    link = delivery.step.campaign.link
    if link:
        return HttpResponseRedirect(link)
    return _notice(request, delivery, 200, THANKS)


# The token is the capability; a GET only asks, so a mail scanner following the link
# withdraws nothing.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def stop(request, token: str):
    """Ask, then withdraw the customer's consent on the channel the message came by."""
    delivery = _delivery(token)
    if delivery is None or delivery.message is None:
        return _notice(request, None, 404, NOT_FOUND)
    customer = delivery.customer
    channel = CONSENTS.get(delivery.message.channel, Channel.EMAIL)
    address = delivery.message.recipient
    if request.method == "POST" and customer.consent(channel):
        with translation.override(customer.message_language):
            wording = f"{STOP_QUESTION} {STOP_TEXT % {'address': address}}"
        customer.set_consent(channel, False, source=ConsentSource.CAMPAIGN_LINK,
                             wording=wording)
    return _render(request, delivery, "campaigns/public/stop.html", {
        "stopped": not customer.consent(channel), "address": address,
        "question": STOP_QUESTION, "text": STOP_TEXT % {"address": address}})
