"""The loyalty card on the customer page: ``{% loyalty_panel customer %}``."""

from __future__ import annotations

from django import template

from ..models import Account

register = template.Library()


@register.inclusion_tag("loyalty/_panel.html", takes_context=True)
def loyalty_panel(context, customer) -> dict:
    user = context["request"].user
    if not user.has_perm("loyalty.view_account"):
        return {"shown": False}
    account = Account.objects.filter(customer=customer).first()
    return {"shown": True, "customer": customer, "account": account, "perms": context["perms"]}
