"""The loyalty card on the customer page: ``{% loyalty_panel customer %}``."""

from __future__ import annotations

from django import template
from django.utils import timezone

from .. import tiers
from ..models import Account, Tier

register = template.Library()


@register.inclusion_tag("loyalty/_panel.html", takes_context=True)
def loyalty_panel(context, customer) -> dict:
    user = context["request"].user
    if not user.has_perm("loyalty.view_account"):
        return {"shown": False}
    account = Account.objects.filter(customer=customer).select_related("tier").first()
    # Only once a programme has tiers: the preview reads the customer's window.
    preview = tiers.preview(account, timezone.now()) \
        if account is not None and Tier.objects.exists() else None
    return {"shown": True, "customer": customer, "account": account, "preview": preview,
            "perms": context["perms"]}
