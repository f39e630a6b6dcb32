"""Turn one cell's text into a value, or raise ValueError with the reason shown to the user.

Each parser takes stripped, non-empty text. Files repeat the same few values a
lot (dates, prices, statuses), so ``rows.Rows`` calls a parser once per distinct
value of a column, not once per row.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from tenure.analytics.dates import parse_time
from tenure.crm.customers.models import Gender
from tenure.crm.lib import bounds
from tenure.crm.sales.models import OrderStatus

from .mapping import normalize_header

CENT = Decimal("0.01")
MILLI = Decimal("0.001")
MONEY_LIMIT = bounds.MONEY_LIMIT
QUANTITY_LIMIT = Decimal("1e9")
# Thousands separators shops write: spaces, no-break spaces, thin spaces, apostrophes.
_GROUPING = re.compile(r"[\s\u00a0\u2009\u202f'’]")

_TRUE = {"yes", "y", "1", "true", "t", "on", "да", "д", "так", "+", "x", "✓"}
_FALSE = {"no", "n", "0", "false", "f", "off", "нет", "н", "ні", "-"}
_GENDERS = {
    Gender.MALE: ("m", "male", "man", "м", "муж", "мужской", "мужчина", "ч", "чол",
                  "чоловіча", "чоловічий", "чоловік"),
    Gender.FEMALE: ("f", "female", "woman", "ж", "жен", "женский", "женщина", "жін", "жіноча",
                    "жіночий", "жінка"),
    Gender.OTHER: ("o", "other", "другое", "інше", "x"),
}
_STATUSES = {
    OrderStatus.PENDING: ("pending", "new", "created", "open", "новый", "новая", "новий",
                          "нова", "ожидает", "ожидает оплаты", "очікує", "очікує оплати",
                          "в обработке", "в обробці"),
    OrderStatus.PAID: ("paid", "оплачен", "оплачена", "оплачено", "оплачений", "оплачена"),
    OrderStatus.SHIPPED: ("shipped", "sent", "dispatched", "отправлен", "отправлена",
                          "отгружен", "отгружено", "відправлено", "відправлений",
                          "відвантажено"),
    OrderStatus.COMPLETED: ("completed", "complete", "done", "delivered", "closed", "fulfilled",
                            "выполнен", "выполнена", "выполнено", "завершен", "завершена",
                            "завершено", "доставлен", "доставлено", "закрыт", "виконано",
                            "виконаний", "виконана", "завершений", "доставлено", "закрито",
                            "проведен", "проведено"),
    OrderStatus.CANCELLED: ("cancelled", "canceled", "void", "отменен", "отменена", "отменено",
                            "отмена", "аннулирован", "скасовано", "скасований", "скасована",
                            "відмінено", "анульовано"),
    OrderStatus.PARTIALLY_RETURNED: ("partially returned", "partial return",
                                     "частично возвращен", "частичный возврат",
                                     "частково повернено", "часткове повернення"),
    OrderStatus.RETURNED: ("returned", "возвращен", "возвращено", "повернено",
                           "повернений"),
}
_RETURN_WORDS = ("return", "returned", "refund", "возврат", "возвращен", "повернення",
                 "повернено", "r")
_SALE_WORDS = ("sale", "sold", "purchase", "order", "продажа", "продажи", "реализация",
               "продаж", "покупка", "реалізація", "s")


def _index(groups: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {normalize_header(word): value for value, words in groups.items()
            for word in (value, *words)}


_GENDER_INDEX = _index(_GENDERS)
_STATUS_INDEX = _index(_STATUSES)
_TYPE_INDEX = _index({"return": _RETURN_WORDS, "sale": _SALE_WORDS})


def parse_decimal(text: str) -> Decimal:
    """Return "1 234,50", "1,234.50" or "1.234,50" as Decimal("1234.50")."""
    plain = _GROUPING.sub("", text)
    if "," in plain and "." in plain:
        # The separator written last is the decimal one.
        grouping = "," if plain.rfind(".") > plain.rfind(",") else "."
        plain = plain.replace(grouping, "")
    plain = plain.replace(",", ".")
    try:
        value = Decimal(plain)
    except InvalidOperation:
        raise ValueError(_("not a number")) from None
    if not value.is_finite():
        raise ValueError(_("not a number"))
    return value


def parse_money(text: str) -> Decimal:
    """Return an amount of money rounded to cents."""
    return _rounded(parse_decimal(text), CENT, MONEY_LIMIT, _("amount too large"))


def parse_quantity(text: str) -> Decimal:
    """Return a quantity with up to three decimals (kilograms, metres)."""
    return _rounded(parse_decimal(text), MILLI, QUANTITY_LIMIT, _("quantity too large"))


def _rounded(value: Decimal, step: Decimal, limit: Decimal, too_large: str) -> Decimal:
    # Checked before rounding too: "1e30" has more digits than Decimal's precision rounds.
    if abs(value) >= limit or abs(value := value.quantize(step, ROUND_HALF_UP)) >= limit:
        raise ValueError(too_large)
    return value


def parse_positive_int(text: str) -> int:
    """Return a whole number above zero."""
    value = parse_decimal(text)
    if value <= 0 or value > 2**31 or value != value.to_integral_value():
        raise ValueError(_("not a whole number above zero"))
    return int(value)


def parse_datetime(text: str) -> datetime:
    """Return an aware datetime; a date or a naive time is read in the configured time zone.

    The grammar is the analytics library's (``tenure.analytics.dates``), so a file
    ``tenure analyze`` reads, ``tenure import`` reads too: ISO 8601 with or without offset,
    "05.03.2024" or "05/03/2024" with an optional " 14:30[:15]", "2024.03.05" and "20240305";
    from 1900 to 2100 (``lib.bounds``), as a date outside them is a placeholder or a typing
    mistake.
    """
    value = _time(text)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def parse_date(text: str) -> date:
    """Return a calendar date in any of the formats ``parse_datetime`` reads."""
    return _time(text).date()


def _time(text: str) -> datetime:
    value = parse_time(text)
    if value is None:
        raise ValueError(_("not a date"))
    # Before the time zone: 0001-01-01 in UTC+2 is a day Python cannot hold.
    bounds.check_date(value)
    return value


def parse_bool(text: str) -> bool:
    """Return yes/no, да/нет, так/ні, 1/0 or true/false as a bool."""
    word = text.casefold()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(_("not yes or no"))


def parse_gender(text: str) -> str:
    """Return "m", "f" or "o" for the words shops use in English, Russian and Ukrainian."""
    try:
        return _GENDER_INDEX[normalize_header(text)]
    except KeyError:
        raise ValueError(_("unknown gender")) from None


def parse_status(text: str) -> str:
    """Return the OrderStatus an order's status word names."""
    try:
        return _STATUS_INDEX[normalize_header(text)]
    except KeyError:
        raise ValueError(_("unknown status")) from None


def parse_is_return(text: str) -> bool:
    """Return whether a line's type says it is a return rather than a sale."""
    try:
        return _TYPE_INDEX[normalize_header(text) or text] == "return"
    except KeyError:
        raise ValueError(_("unknown line type (sale or return)")) from None


def parse_choice(groups: dict[str, tuple[str, ...]], error):
    """Return a parser of the words of ``groups`` {value: words}; a value names itself.

    Words are compared like headers: "In progress", "in_progress" and "IN-PROGRESS" match.
    """
    index = _index({str(value): words for value, words in groups.items()})

    def parse(text: str) -> str:
        try:
            return index[normalize_header(text)]
        except KeyError:
            raise ValueError(str(error)) from None

    return parse


def parse_currency(text: str) -> str:
    """Return an ISO 4217 code such as "UAH"."""
    code = text.upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise ValueError(_("not a currency code"))
    return code


def parse_text(limit: int):
    """Return a parser that keeps text up to ``limit`` characters."""

    def parse(text: str) -> str:
        if len(text) > limit:
            raise ValueError(_("longer than %(limit)d characters") % {"limit": limit})
        return text

    return parse
