"""Figures of the campaign report as the pages show them."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def percent(value) -> str:
    """0.1234 -> "12.3 %"; a figure that could not be measured -> "—"."""
    if value is None or value == "":
        return "—"
    return f"{number_format(value * 100, 1)} %"


@register.filter
def points(value) -> str:
    """A difference of rates in percentage points, signed: 0.031 -> "+3.1 pp"."""
    if value is None:
        return "—"
    sign = "+" if value > 0 else "−" if value < 0 else ""
    return _("%(sign)s%(value)s pp") % {"sign": sign, "value": number_format(abs(value) * 100, 1)}


@register.filter
def uplift(step) -> str:
    """A step's uplift with its 95 % interval: "+3.1 pp (−0.5 to +6.7)"."""
    if not step or step.get("uplift") is None:
        return "—"
    return _("%(uplift)s (%(low)s to %(high)s)") % {
        "uplift": points(step["uplift"]), "low": points(step["uplift_low"]),
        "high": points(step["uplift_high"])}


@register.filter
def bar(value, scale=1.0) -> float:
    """The width in percent of a bar for a rate ``value`` on a chart whose top is ``scale``."""
    if not value or not scale:
        return 0.0
    return round(min(100.0, 100.0 * float(value) / float(scale)), 1)
