"""Which file column holds which field: header synonyms in English, Russian and Ukrainian.

Headers are compared after ``normalize_header``: case, spaces and punctuation do not
matter, and "ё" reads as "е". A field's own name always matches it.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from .models import ImportKind

_CONSENT = {
    "consent_email": ("email consent", "consent email", "email opt in", "subscribed email",
                      "согласие email", "согласие на email", "согласие на рассылку",
                      "згода email", "згода на email", "згода на розсилку"),
    "consent_sms": ("sms consent", "consent sms", "sms opt in", "согласие sms",
                    "согласие на sms", "согласие смс", "згода sms", "згода на sms", "згода смс"),
    "consent_messenger": ("messenger consent", "consent messenger", "согласие мессенджер",
                          "согласие на мессенджеры", "згода месенджер", "згода на месенджери"),
    "consent_phone": ("phone consent", "consent phone", "call consent", "согласие на звонки",
                      "согласие звонки", "згода на дзвінки", "згода дзвінки"),
}
_CUSTOMER = ("customer", "customer id", "customer_id", "client", "client id", "клиент",
             "клієнт", "покупатель", "покупець", "код клиента", "код клієнта", "id клиента",
             "id клієнта", "контрагент", "buyer")
_CUSTOMER_NAME = ("name", "customer name", "client name", "full name", "фио", "піб", "имя",
                  "ім'я", "имя клиента", "ім'я клієнта", "наименование клиента")
_ORDER = ("order", "order id", "order_id", "order number", "order no", "номер заказа",
          "заказ", "номер замовлення", "замовлення", "документ", "номер документа", "чек",
          "номер чека", "invoice")
_DATE = ("date", "order date", "дата", "дата заказа", "дата замовлення", "дата документа",
         "дата продажи", "дата продажу", "created at", "datetime", "time")
_STATUS = ("status", "order status", "статус", "состояние", "стан", "статус заказа",
           "статус замовлення")
_CHANNEL = ("channel", "sales channel", "канал", "канал продаж", "канал продажи")
_STORE = ("store", "shop", "магазин", "точка продаж", "торговая точка", "торгова точка",
          "склад", "warehouse")
_CURRENCY = ("currency", "валюта", "curr")
_DISCOUNT = ("discount", "скидка", "знижка", "discount amount", "сумма скидки", "сума знижки")
_COST = ("cost", "cogs", "себестоимость", "собівартість", "cost price", "закупочная цена",
         "закупівельна ціна")
_PRICE = ("price", "unit price", "цена", "ціна", "цена за единицу", "ціна за одиницю")

# kind -> field -> header synonyms; the first required fields must be mapped.
SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    ImportKind.CUSTOMERS: {
        "external_id": (*_CUSTOMER, "id", "external id", "код"),
        "name": _CUSTOMER_NAME,
        "first_name": ("first name", "firstname", "given name"),
        "last_name": ("last name", "lastname", "surname", "family name", "фамилия", "прізвище"),
        "email": ("email", "e-mail", "mail", "email address", "почта", "пошта",
                  "электронная почта", "електронна пошта", "эл почта", "ел пошта"),
        "phone": ("phone", "telephone", "tel", "mobile", "phone number", "телефон", "тел",
                  "мобильный", "мобільний", "номер телефона", "номер телефону"),
        "birth_date": ("birth date", "birthdate", "birthday", "date of birth", "dob",
                       "дата рождения", "день рождения", "дата народження", "день народження"),
        "gender": ("gender", "sex", "пол", "стать"),
        "city": ("city", "town", "город", "місто", "населенный пункт", "населений пункт"),
        "acquisition_channel": ("acquisition channel", "channel", "source channel", "канал",
                                "канал привлечения", "канал залучення", "откуда узнал",
                                "звідки дізнався"),
        "acquired_on": ("acquired on", "acquired", "registration date", "registered",
                        "signup date", "signed up", "customer since", "дата регистрации",
                        "дата реєстрації", "клиент с", "клієнт з"),
        "referred_by": ("referred by", "referrer", "referral", "invited by", "кто привел",
                        "пригласил", "рекомендатель", "хто привів", "запросив", "рекомендував"),
        "manager": ("manager", "account manager", "sales manager", "менеджер",
                    "ответственный", "відповідальний"),
        "tags": ("tags", "tag", "labels", "теги", "метки", "мітки"),
        "notes": ("notes", "note", "comment", "comments", "примечание", "примечания",
                  "комментарий", "коментар", "примітка", "примітки", "нотатки"),
        **_CONSENT,
    },
    ImportKind.PRODUCTS: {
        "sku": ("sku", "article", "артикул", "код товара", "код товару", "product code",
                "product id", "item code", "код", "code", "id"),
        "name": ("name", "product", "product name", "title", "товар", "наименование",
                 "название", "назва", "найменування", "номенклатура"),
        "category": ("category", "category path", "категория", "категорія", "группа",
                     "група", "группа товаров", "група товарів"),
        "price": _PRICE,
        "cost": _COST,
        "currency": _CURRENCY,
        "active": ("active", "is active", "enabled", "активен", "активный", "активний",
                   "в продаже", "в продажу"),
    },
    ImportKind.ORDERS: {
        "order_id": _ORDER,
        "customer": _CUSTOMER,
        "name": ("customer name", "client name", "фио", "піб", "имя", "ім'я", "name"),
        "date": _DATE,
        "amount": ("amount", "total", "sum", "dollar value", "dollar_value", "revenue",
                   "сумма", "сума", "итого", "всього", "разом", "сумма заказа",
                   "сума замовлення", "order total", "paid"),
        "discount": _DISCOUNT,
        "cost": _COST,
        "status": _STATUS,
        "channel": _CHANNEL,
        "store": _STORE,
        "currency": _CURRENCY,
    },
    ImportKind.ORDER_LINES: {
        "order_id": _ORDER,
        "customer": _CUSTOMER,
        "name": ("customer name", "client name", "фио", "піб", "имя", "ім'я", "name"),
        "date": _DATE,
        "product": ("product", "sku", "товар", "артикул", "item", "номенклатура",
                    "код товара", "код товару", "product id", "product_id"),
        "quantity": ("quantity", "qty", "count", "number of cds", "number_of_cds",
                     "количество", "кол-во", "кількість", "к-сть", "units"),
        "price": _PRICE,
        "discount": _DISCOUNT,
        "cost": _COST,
        "line_no": ("line", "line no", "line number", "position", "строка", "номер строки",
                    "рядок", "номер рядка", "позиция", "позиція"),
        "status": _STATUS,
        "channel": _CHANNEL,
        "store": _STORE,
        "currency": _CURRENCY,
        "type": ("type", "line type", "operation", "kind", "тип", "операция", "операція",
                 "вид операции", "вид операції"),
        "return_id": ("return", "return id", "return number", "номер возврата",
                      "номер повернення", "возврат", "повернення"),
    },
}

REQUIRED: dict[str, tuple[str, ...]] = {
    ImportKind.CUSTOMERS: ("external_id",),
    ImportKind.PRODUCTS: ("sku",),
    ImportKind.ORDERS: ("customer", "date", "amount"),
    ImportKind.ORDER_LINES: ("order_id", "customer", "date", "product", "quantity", "price"),
}


class MappingError(ValueError):
    """A column mapping names a column or a field that does not exist."""


def normalize_header(text: str) -> str:
    """Return ``text`` without case, spacing or punctuation ("Order date" -> "orderdate")."""
    return re.sub(r"[\W_]+", "", text.casefold().replace("ё", "е"))


def fields_for(kind: str) -> list[str]:
    """Return the canonical field names of ``kind``."""
    return list(SYNONYMS[kind])


def _lookup(kind: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for field, names in SYNONYMS[kind].items():
        for name in (field, *names):
            table.setdefault(normalize_header(name), field)
    return table


def auto_mapping(kind: str, headers: list[str]) -> dict[str, str]:
    """Return {header: field} for the headers recognised by name (each field once)."""
    lookup, mapping = _lookup(kind), {}
    for header in headers:
        field = lookup.get(normalize_header(header))
        if field and field not in mapping.values() and header not in mapping:
            mapping[header] = field
    return mapping


def parse_overrides(items: list[str]) -> dict[str, str]:
    """Return {header: field} from ``--map "Header=field"`` items ("Header=" ignores it)."""
    overrides = {}
    for item in items:
        header, sep, field = item.rpartition("=")
        if not sep or not header.strip():
            raise MappingError(_("'%(item)s' is not Header=field.") % {"item": item})
        overrides[header.strip()] = field.strip()
    return overrides


def resolve_mapping(kind: str, headers: list[str], overrides: dict[str, str] | None = None):
    """Return {header: field}: the automatic mapping with ``overrides`` applied."""
    overrides = overrides or {}
    mapping = auto_mapping(kind, headers)
    known = fields_for(kind)
    for wanted, field in overrides.items():
        header = _find_header(wanted, headers)
        if field and field not in known:
            raise MappingError(
                _("'%(field)s' is not a field of %(kind)s imports; the fields are: %(fields)s.")
                % {"field": field, "kind": kind, "fields": ", ".join(known)}
            )
        mapping = {h: f for h, f in mapping.items() if h != header and f != field}
        if field:
            mapping[header] = field
    return {h: mapping[h] for h in headers if h in mapping}


def _find_header(wanted: str, headers: list[str]) -> str:
    if wanted in headers:
        return wanted
    for header in headers:
        if normalize_header(header) == normalize_header(wanted):
            return header
    raise MappingError(
        _("the file has no column '%(column)s'; its columns are: %(columns)s.")
        % {"column": wanted, "columns": ", ".join(headers)}
    )


def missing_required(kind: str, mapping: dict[str, str]) -> list[str]:
    """Return the required fields of ``kind`` that no column maps to."""
    mapped = set(mapping.values())
    return [field for field in REQUIRED[kind] if field not in mapped]
