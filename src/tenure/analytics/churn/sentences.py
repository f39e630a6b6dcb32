"""Churn reasons as plain sentences in English, Russian and Ukrainian.

The sentences are the standard library's `gettext` messages of the library's own domain,
``tenure_analytics``: English in the code, translations in
``tenure/analytics/locale/{ru,uk}/LC_MESSAGES/tenure_analytics.po`` (compiled to ``.mo``
next to them). Plural forms come from the catalogue's ``Plural-Forms`` header, so Russian
and Ukrainian say "1 день", "2 дня", "5 дней", "21 день". Numbers are written the
language's way by babel ("0,4", "23 %"). The CRM is a Django project with its own
catalogue; this one keeps the library free of Django.

Recompile after editing a ``.po`` file (from the repository root)::

    pybabel compile -d src/tenure/analytics/locale -D tenure_analytics
"""

from __future__ import annotations

import functools
import gettext
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from babel.numbers import format_decimal, format_percent

from ..exceptions import InputError
from ..languages import LANGUAGES

DOMAIN = "tenure_analytics"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def describe(reason: Mapping[str, Any], language: str = "en") -> str:
    """Return one reason (`tenure.analytics.churn.reasons`) as a sentence.

    Parameters
    ----------
    reason : mapping
        ``{"code": ..., <numbers>}`` as `reasons_for` builds it (``impact`` is ignored).
    language : {"en", "ru", "uk"}
        Also accepted with a region ("ru-RU", "uk_UA").

    Examples
    --------
    >>> describe({"code": "overdue", "days": 94, "usual_gap": 30})
    'no purchase for 94 days; usually buys every 30 days'
    >>> describe({"code": "complaints_open", "count": 2}, "ru")
    '2 жалобы не решены'
    """
    lang = _language(language)
    code = reason.get("code")
    if code not in _SENTENCES:
        raise InputError(f"unknown churn reason code {code!r}; the codes are "
                         f"{', '.join(sorted(_SENTENCES))}.")
    try:
        return _SENTENCES[code](_translations(lang), _Numbers(lang), reason)
    except KeyError as exc:
        raise InputError(f"the churn reason {code!r} lacks its number {exc}.") from None


def describe_each(reasons: Iterable[Iterable[Mapping[str, Any]]], language: str = "en",
                  *, separator: str = "; ") -> list[str]:
    """Return each customer's reasons as one text, their sentences joined by ``separator``.

    The same as joining `describe` of each reason, but each distinct reason (its code and
    numbers; ``impact`` is ignored) is worded once: a million customers' reasons repeat a
    few thousand sentences.

    Examples
    --------
    >>> describe_each([[{"code": "returns", "count": 2, "impact": 0.3},
    ...                 {"code": "complaints_open", "count": 1, "impact": 0.1}], []])
    ['2 returns in the last 12 months; 1 complaint not resolved', '']
    """
    worded: dict[tuple[Any, ...], str] = {}
    # The library's reasons are shared dicts (`reasons_for`): known by identity first, a
    # dictionary lookup where building the key of its items took a microsecond each. The
    # entry keeps the reason itself alive, so its id cannot pass to another object.
    by_object: dict[int, tuple[Mapping[str, Any], str]] = {}
    out = []
    for customer in reasons:
        sentences = []
        for reason in customer:
            known = by_object.get(id(reason))
            if known is not None:
                sentence = known[1]
            else:
                items = tuple(reason.items())
                key = items[:-1] if items and items[-1][0] == "impact" else tuple(  # last
                    item for item in items if item[0] != "impact")
                if key not in worded:
                    worded[key] = describe(reason, language)
                sentence = worded[key]
                by_object[id(reason)] = (reason, sentence)
            sentences.append(sentence)
        out.append(separator.join(sentences))
    return out


def _language(language: str) -> str:
    lang = str(language).replace("_", "-").split("-")[0].lower()
    if lang not in LANGUAGES:
        raise InputError(f"churn reasons are written in {', '.join(LANGUAGES)}; "
                         f"got {language!r}.")
    return lang


@functools.cache
def _translations(language: str) -> gettext.NullTranslations:
    if language == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[language])


class _Numbers:
    """Numbers written the language's way."""

    def __init__(self, language: str):
        self.locale = language

    def __call__(self, value: Any) -> str:
        return _decimal(value, self.locale)

    def percent(self, value: float) -> str:
        return _percent(value, self.locale)


# Babel takes some 20 microseconds a number; the reasons of a million customers repeat the
# same few thousand numbers (days, counts, percents) millions of times.
@functools.lru_cache(maxsize=1 << 16, typed=True)
def _decimal(value: Any, locale: str) -> str:
    return format_decimal(value, locale=locale)


@functools.lru_cache(maxsize=1 << 16, typed=True)
def _percent(value: float, locale: str) -> str:
    return format_percent(value / 100, locale=locale)


T = gettext.NullTranslations


def _overdue(t: T, num: _Numbers, r: Mapping[str, Any]) -> str:
    days, gap = int(r["days"]), int(r["usual_gap"])
    return "; ".join([
        t.ngettext("no purchase for {days} day", "no purchase for {days} days",
                   days).format(days=num(days)),
        t.ngettext("usually buys every {gap} day", "usually buys every {gap} days",
                   gap).format(gap=num(gap)),
    ])


def _no_recent_purchase(t: T, num: _Numbers, r: Mapping[str, Any]) -> str:
    days = int(r["days"])
    return t.ngettext("no purchase for {days} day", "no purchase for {days} days",
                      days).format(days=num(days))


def _fewer_orders(t: T, num: _Numbers, r: Mapping[str, Any]) -> str:
    recent, before = int(r["recent"]), int(r["before"])
    return t.ngettext(
        "{recent} order in the last 90 days against {before} in the 90 days before",
        "{recent} orders in the last 90 days against {before} in the 90 days before",
        recent).format(recent=num(recent), before=num(before))


def _one_purchase(t: T, num: _Numbers, r: Mapping[str, Any]) -> str:
    days = int(r["days"])
    return t.ngettext("only one purchase, {days} day ago", "only one purchase, {days} days ago",
                      days).format(days=num(days))


def _few_orders(t: T, num: _Numbers, r: Mapping[str, Any]) -> str:
    orders = int(r["orders"])
    return t.ngettext("{orders} order in the last 12 months",
                      "{orders} orders in the last 12 months", orders).format(orders=num(orders))


def _returns(t: T, num: _Numbers, r: Mapping[str, Any]) -> str:
    count = int(r["count"])
    return t.ngettext("{count} return in the last 12 months",
                      "{count} returns in the last 12 months", count).format(count=num(count))


def _nps_fell(t: T, num: _Numbers, r: Mapping[str, Any]) -> str:
    return t.gettext("NPS fell from {before} to {after}").format(
        before=num(int(r["before"])), after=num(int(r["after"])))


def _nps_detractor(t: T, num: _Numbers, r: Mapping[str, Any]) -> str:
    return t.gettext("NPS answer {score} out of 10").format(score=num(int(r["score"])))


def _low_csat(t: T, num: _Numbers, r: Mapping[str, Any]) -> str:
    return t.gettext("low satisfaction: {score} out of 5").format(score=num(int(r["score"])))


def _hard_effort(t: T, num: _Numbers, r: Mapping[str, Any]) -> str:
    return t.gettext("high customer effort: {score} out of 5").format(
        score=num(int(r["score"])))


def _detractor_answers(t: T, num: _Numbers, r: Mapping[str, Any]) -> str:
    count = int(r["count"])
    return t.ngettext("{count} low NPS answer in the last 12 months",
                      "{count} low NPS answers in the last 12 months",
                      count).format(count=num(count))


def _complaints_open(t: T, num: _Numbers, r: Mapping[str, Any]) -> str:
    count = int(r["count"])
    return t.ngettext("{count} complaint not resolved", "{count} complaints not resolved",
                      count).format(count=num(count))


def _complaints(t: T, num: _Numbers, r: Mapping[str, Any]) -> str:
    count = int(r["count"])
    return t.ngettext("{count} complaint in the last 12 months",
                      "{count} complaints in the last 12 months", count).format(count=num(count))


def _no_contact(t: T, num: _Numbers, r: Mapping[str, Any]) -> str:
    if r.get("days") is None:
        return t.gettext("no contact on record")
    days = int(r["days"])
    return t.ngettext("no contact for {days} day", "no contact for {days} days",
                      days).format(days=num(days))


def _inbound_contacts(t: T, num: _Numbers, r: Mapping[str, Any]) -> str:
    count = int(r["count"])
    return t.ngettext("{count} inbound contact in the last 90 days",
                      "{count} inbound contacts in the last 90 days",
                      count).format(count=num(count))


def _no_response(t: T, num: _Numbers, r: Mapping[str, Any]) -> str:
    messages = int(r["messages"])
    return t.ngettext("no response to {messages} campaign message",
                      "no response to {messages} campaign messages",
                      messages).format(messages=num(messages))


def _few_responses(t: T, num: _Numbers, r: Mapping[str, Any]) -> str:
    responses, messages = int(r["responses"]), int(r["messages"])
    return t.ngettext("responded to {responses} of {messages} campaign message",
                      "responded to {responses} of {messages} campaign messages",
                      messages).format(responses=num(responses), messages=num(messages))


def _contract_ends(t: T, num: _Numbers, r: Mapping[str, Any]) -> str:
    days = int(r["days"])
    return t.ngettext("contract ends in {days} day", "contract ends in {days} days",
                      days).format(days=num(days))


def _low_p_alive(t: T, num: _Numbers, r: Mapping[str, Any]) -> str:
    return t.gettext("chance the customer is still active: {percent}").format(
        percent=num.percent(float(r["percent"])))


def _few_expected_purchases(t: T, num: _Numbers, r: Mapping[str, Any]) -> str:
    days = int(r["days"])
    return t.ngettext("expected purchases in the next {days} day: {expected}",
                      "expected purchases in the next {days} days: {expected}",
                      days).format(days=num(days), expected=num(float(r["expected"])))


def _like_most(t: T, num: _Numbers, r: Mapping[str, Any]) -> str:
    days = int(r["days"])
    return t.ngettext(
        "{percent} of customers buy nothing within {days} day; nothing in this customer's "
        "history adds to that",
        "{percent} of customers buy nothing within {days} days; nothing in this customer's "
        "history adds to that",
        days).format(percent=num.percent(float(r["percent"])), days=num(days))


_SENTENCES = {
    "like_most": _like_most,
    "overdue": _overdue, "no_recent_purchase": _no_recent_purchase,
    "fewer_orders": _fewer_orders, "one_purchase": _one_purchase, "few_orders": _few_orders,
    "returns": _returns, "nps_fell": _nps_fell, "nps_detractor": _nps_detractor,
    "low_csat": _low_csat, "hard_effort": _hard_effort,
    "detractor_answers": _detractor_answers, "complaints_open": _complaints_open,
    "complaints": _complaints, "no_contact": _no_contact,
    "inbound_contacts": _inbound_contacts, "no_response": _no_response,
    "few_responses": _few_responses, "contract_ends": _contract_ends,
    "low_p_alive": _low_p_alive, "few_expected_purchases": _few_expected_purchases,
}
