"""Turn one cell's text into a value, or raise ValueError with the reason shown to the user.

Each parser takes stripped, non-empty text. Files repeat the same few values a
lot (dates, prices, statuses), so ``rows.Rows`` calls a parser once per distinct
value of a column, not once per row. The numbers, dates and currencies are read by
``lib.parsing``, which the CRM's forms share, so a form refuses what a file refuses.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from tenure.crm.customers.models import Gender
from tenure.crm.lib.parsing import CENT as CENT
from tenure.crm.lib.parsing import MONEY_LIMIT as MONEY_LIMIT
from tenure.crm.lib.parsing import parse_currency as parse_currency
from tenure.crm.lib.parsing import parse_date as parse_date
from tenure.crm.lib.parsing import parse_datetime as parse_datetime
from tenure.crm.lib.parsing import parse_decimal
from tenure.crm.lib.parsing import parse_money as parse_money
from tenure.crm.lib.parsing import parse_quantity as parse_quantity
from tenure.crm.sales.models import OrderStatus

from .mapping import normalize_header

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


def parse_positive_int(text: str) -> int:
    """Return a whole number above zero."""
    value = parse_decimal(text)
    if value <= 0 or value > 2**31 or value != value.to_integral_value():
        raise ValueError(_("not a whole number above zero"))
    return int(value)


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


def parse_text(limit: int):
    """Return a parser that keeps text up to ``limit`` characters."""

    def parse(text: str) -> str:
        if len(text) > limit:
            raise ValueError(_("longer than %(limit)d characters") % {"limit": limit})
        return text

    return parse
