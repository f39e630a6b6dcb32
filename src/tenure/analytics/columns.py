"""Which file column holds which field: header synonyms in English, Russian and Ukrainian.

One table serves the CRM importer (``SYNONYMS``, by import kind) and the analytics readers
(``TRANSACTIONS``, ``CUSTOMERS``, ``FEEDBACK``, by canonical column), so "the same column
names as the importer" holds by construction. Headers are compared after
``normalize_header``: case, spaces and punctuation do not matter, and "ё" reads as "е".
A field's own name always matches it.
"""

from __future__ import annotations

import re

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
_AMOUNT = ("amount", "total", "sum", "dollar value", "dollar_value", "revenue",
           "сумма", "сума", "итого", "всього", "разом", "сумма заказа",
           "сума замовлення", "order total", "paid")
_STATUS = ("status", "order status", "статус", "состояние", "стан", "статус заказа",
           "статус замовлення")
_CHANNEL = ("channel", "sales channel", "канал", "канал продаж", "канал продажи")
_STORE = ("store", "shop", "магазин", "точка продаж", "торговая точка", "торгова точка",
          "склад", "warehouse")
_MANAGER = ("manager", "account manager", "sales manager", "менеджер",
            "ответственный", "відповідальний")
_CURRENCY = ("currency", "валюта", "curr")
_DISCOUNT = ("discount", "скидка", "знижка", "discount amount", "сумма скидки", "сума знижки")
_COST = ("cost", "cogs", "себестоимость", "собівартість", "cost price", "закупочная цена",
         "закупівельна ціна")
_PRICE = ("price", "unit price", "цена", "ціна", "цена за единицу", "ціна за одиницю")

_CUSTOMER_FIELDS = {
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
    "manager": _MANAGER,
}

# import kind -> field -> header synonyms (the CRM importer's table).
SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "customers": {
        "external_id": (*_CUSTOMER, "id", "external id", "код"),
        **_CUSTOMER_FIELDS,
        "tags": ("tags", "tag", "labels", "теги", "метки", "мітки"),
        "notes": ("notes", "note", "comment", "comments", "примечание", "примечания",
                  "комментарий", "коментар", "примітка", "примітки", "нотатки"),
        **_CONSENT,
    },
    "products": {
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
    "orders": {
        "order_id": _ORDER,
        "customer": _CUSTOMER,
        "name": ("customer name", "client name", "фио", "піб", "имя", "ім'я", "name"),
        "date": _DATE,
        "amount": _AMOUNT,
        "discount": _DISCOUNT,
        "cost": _COST,
        "status": _STATUS,
        "channel": _CHANNEL,
        "store": _STORE,
        "currency": _CURRENCY,
    },
    "order-lines": {
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

# The analytics library's canonical tables: column -> header synonyms.
TRANSACTIONS: dict[str, tuple[str, ...]] = {
    "customer_id": _CUSTOMER,
    "time": _DATE,
    "amount": _AMOUNT,
    "order_id": _ORDER,
    "margin": ("margin", "gross margin", "profit", "gross profit", "маржа", "прибыль",
               "валовая прибыль", "прибуток", "валовий прибуток"),
    "channel": _CHANNEL,
    "store": _STORE,
    "manager": _MANAGER,
    "segment": ("segment", "customer segment", "сегмент", "сегмент клиента",
                "сегмент клієнта"),
}
CUSTOMERS: dict[str, tuple[str, ...]] = {
    "customer_id": (*_CUSTOMER, "id", "external id", "external_id", "код"),
    **_CUSTOMER_FIELDS,
}
FEEDBACK: dict[str, tuple[str, ...]] = {
    "customer_id": _CUSTOMER,
    "time": (*_DATE, "answered at", "дата ответа", "дата відповіді"),
    "kind": ("kind", "type", "survey", "survey type", "metric", "тип", "опрос", "опитування"),
    "score": ("score", "rating", "answer", "grade", "оценка", "оцінка", "балл", "бал",
              "ответ", "відповідь"),
}


#: The model summaries' columns (`tenure.analytics.clv`): column -> other names it goes by,
#: Fader & Hardie's (x, t_x, zbar) and the lifetimes library's. Matched exactly, not after
#: `normalize_header`: ``T`` and ``t`` or ``n`` and ``N`` would otherwise collide. The models
#: and ``tenure clv`` both read their inputs through this table.
SUMMARY: dict[str, tuple[str, ...]] = {
    "frequency": ("x",),
    "recency": ("t_x",),
    "monetary_value": ("zbar", "m_x"),
    "n_periods": ("periods", "n"),
    "weight": ("weights", "count"),
}
#: alias -> column, from `SUMMARY`.
SUMMARY_ALIASES: dict[str, str] = {
    alias: column for column, aliases in SUMMARY.items() for alias in aliases}


def normalize_header(text: str) -> str:
    """Return ``text`` without case, spacing or punctuation ("Order date" -> "orderdate")."""
    return re.sub(r"[\W_]+", "", text.casefold().replace("ё", "е"))


def lookup(synonyms: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Return {normalized header: field} for a field -> synonyms table (first field wins)."""
    table: dict[str, str] = {}
    for field, names in synonyms.items():
        for name in (field, *names):
            table.setdefault(normalize_header(name), field)
    return table


def auto_mapping(synonyms: dict[str, tuple[str, ...]], headers: list[str]) -> dict[str, str]:
    """Return {header: field} for the headers recognised by name (each field once)."""
    table = lookup(synonyms)
    mapping: dict[str, str] = {}
    for header in headers:
        field = table.get(normalize_header(header))
        if field and field not in mapping.values() and header not in mapping:
            mapping[header] = field
    return mapping
