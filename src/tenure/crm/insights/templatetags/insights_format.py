"""Template filters that write the insights' figures in the user's language, through
``lib/formatting.py`` (whose number, percent and money filters every template has)."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from tenure.crm.lib.formatting import estimate, money, number, percent

register = template.Library()


@register.filter
def metric(value: float | None, fmt: str) -> str:
    """Write a metric in its format: money, estimate (money to the whole unit), percent,
    decimal (two places), tenths or number."""
    if fmt == "estimate":
        return estimate(value)
    if fmt == "money":
        return money(value if value is None else round(value, 2))
    if fmt == "percent":
        return percent(value)
    return number(value, {"decimal": 2, "tenths": 1}.get(fmt, 0))


@register.filter
def change(tile: dict) -> str:
    """Write a tile's change: points for rates ("+1.2 pp"), a relative change otherwise."""
    value = tile.get("change")
    if value is None:
        return "—"
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    if tile["change_format"] == "points":
        points = number(abs(value) * 100, 1)
        return _("%(sign)s%(points)s pp") % {"sign": sign, "points": points}
    return f"{sign}{percent(abs(value))}"


@register.filter
def figure(value) -> str:
    """Write any stored value: numbers with separators (two decimals if fractional), text as is."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return number(value, 0 if float(value).is_integer() else 2)


@register.filter
def reason(value: dict) -> str:
    """Write a churn reason (the library's structured reason) as a sentence in the user's
    language."""
    from tenure.analytics.churn.sentences import describe
    from tenure.analytics.exceptions import AnalyticsError

    try:
        return describe(value, get_language() or settings.LANGUAGE_CODE)
    except AnalyticsError:  # a code this version does not know: say nothing rather than fail
        return ""


@register.filter
def said(text: str | None) -> str:
    """Say a message of the analytics library (a note, a warning, a cluster's description)
    in the user's language; one its catalogue does not hold is shown as it is."""
    from tenure.analytics.messages import translate

    return "" if text is None else translate(str(text), get_language() or "en")
