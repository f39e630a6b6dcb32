"""The customer page's value card: the latest scores the insights stored for a customer.

The customers app shows it with ``{% customer_value customer %}`` and knows nothing of how
the scores are made (STYLE.md: insights is the only adapter to the analytics).
"""

from __future__ import annotations

from django import template

from ..models import CustomerSnapshot

register = template.Library()


@register.inclusion_tag("insights/_customer_value.html")
def customer_value(customer) -> dict:
    """Return the customer's latest snapshot for the value card (None before any refresh)."""
    snapshot = CustomerSnapshot.objects.filter(customer=customer).order_by("-taken_on").first()
    return {"snapshot": snapshot}
