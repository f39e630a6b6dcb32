"""Survey figures in the user's language: scores, shares and segment names."""

from __future__ import annotations

from babel.numbers import format_decimal
from django import template
from django.utils.translation import gettext as _

from tenure.crm.customers import segments
from tenure.crm.lib import formatting

register = template.Library()


def _number(value: float, pattern: str) -> str:
    return format_decimal(value, pattern, locale=formatting.locale())


def _percent(value: float) -> str:
    """Write 42.31 (already in %) as the language writes 42 %."""
    return formatting.percent(value / 100, 0)


@register.filter
def survey_score(results) -> str:
    """Write a survey's score: "+32 ± 8" (NPS), "84%" (CSAT), "+40" (CES); "—" unanswered."""
    if results.score is None:
        return "—"
    if results.kind == "csat":
        return _percent(results.score)
    # Signed, as NPS and CES are reported (+33, −5), but a plain 0.
    score = _number(results.score, "+#,##0;−#,##0" if round(results.score) else "0")
    if results.margin_of_error is None:
        return score
    return _("%(score)s ± %(margin)s") % {
        "score": score, "margin": _number(results.margin_of_error, "#,##0")}


@register.filter
def share(value: float | None) -> str:
    """Write a percentage (42.31) as "42%"; "—" when there is none."""
    if value is None:
        return "—"
    return _percent(value)


@register.filter
def tone_count(results, tone: str) -> int:
    """Return the answers of ``tone`` ("low", "mid", "high"): detractors, passives..."""
    return results.count(tone)


@register.filter
def segment_name(key: str) -> str:
    """Write an RFM segment's name ("champions" -> "Champions")."""
    return dict(segments.choices()).get(key, key) or "—"
