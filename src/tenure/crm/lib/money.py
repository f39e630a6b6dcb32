"""Money: Decimal amounts with a currency, and the fields that store them."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

CENT = Decimal("0.01")


def default_currency() -> str:
    """Return the shop's book currency (ISO 4217)."""
    return settings.TENURE_CURRENCY


def money_field(verbose_name, **kwargs) -> models.DecimalField:
    """Return a DecimalField sized for money (up to 10^12, two decimals)."""
    kwargs.setdefault("max_digits", 14)
    kwargs.setdefault("decimal_places", 2)
    return models.DecimalField(verbose_name, **kwargs)


def currency_field() -> models.CharField:
    """Return a field holding an ISO 4217 currency code."""
    return models.CharField(_("currency"), max_length=3, default=default_currency)
