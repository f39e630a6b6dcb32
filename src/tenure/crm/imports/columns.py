"""Header synonyms the CRM importer adds to the shared table: its own kinds and 1C's names.

The analytics readers never read these, so they live here rather than in the shared
table of ``tenure.analytics.columns``; ``mapping`` joins the two. Beside interactions and
complaints, the sales kinds gain the column names of 1C and BAS exports ("Номер" for
the document's number; "№" is read as "номер" by ``mapping``) and the customer's email
and phone, by which an import finds a customer it does not know by id.
"""

from __future__ import annotations

from tenure.analytics.columns import SYNONYMS as SHARED

_CUSTOMER = SHARED["orders"]["customer"]
_ORDER = SHARED["orders"]["order_id"]
_STATUS = SHARED["orders"]["status"]
_MANAGER = SHARED["customers"]["manager"]
_EMAIL = SHARED["customers"]["email"]
_PHONE = SHARED["customers"]["phone"]
_CHANNEL = ("channel", "via", "канал", "канал связи", "канал зв'язку", "источник", "джерело")
# A campaign's coupon the order was paid with (`campaigns.running.redeem_coupons`).
_COUPON = ("coupon", "coupon code", "promo code", "promocode", "voucher", "промокод",
           "купон", "код купона", "код купону", "промо код")
# 1C and BAS name a document's number "Номер" or "№" (read as "номер"), in both languages.
_DOCUMENT_NUMBER = ("номер", "номер документу", "номер накладной", "номер накладної",
                    "номер чеку", "номер реализации", "номер реалізації")


def _extended(kind: str, **more: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Return the shared synonyms of ``kind`` with ``more`` added to its fields."""
    fields = dict(SHARED[kind])
    for name, synonyms in more.items():
        fields[name] = fields.get(name, ()) + synonyms
    return fields


def _sales(kind: str, **more: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """Return ``kind``'s synonyms with 1C's document number, and the customer's contacts."""
    return {**_extended(kind, order_id=_DOCUMENT_NUMBER, **more),
            "email": _EMAIL, "phone": _PHONE}


SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "customers": _extended(
        "customers",
        name=("наименование", "полное наименование", "найменування", "повне найменування"),
        email=("адрес электронной почты", "адреса електронної пошти"),
        manager=("основной менеджер", "основний менеджер"),
    ),
    "orders": _sales("orders", amount=("сумма документа", "сума документа"),
                     coupon=_COUPON),
    "order-lines": _sales("order-lines", line_no=("номер пп", "номер позиции",
                                                  "номер позиції")),
    "interactions": {
        "external_id": ("id", "external id", "interaction id", "contact id", "код",
                        "номер", "id контакта", "id контакту"),
        "customer": _CUSTOMER,
        "kind": ("kind", "type", "interaction type", "contact type", "тип", "вид",
                 "тип контакта", "тип контакту", "вид контакта", "вид контакту",
                 "вид события", "вид події", "тип события", "тип події"),
        "channel": _CHANNEL,
        "direction": ("direction", "inbound outbound", "направление", "напрямок",
                      "входящий исходящий", "вхідний вихідний"),
        "outcome": ("outcome", "result", "disposition", "результат", "итог", "підсумок"),
        "summary": ("summary", "notes", "note", "comment", "comments", "description", "text",
                    "описание", "комментарий", "коментар", "примечание", "примітка", "опис",
                    "содержание", "зміст"),
        "occurred_at": ("occurred at", "when", "date", "datetime", "time", "дата", "время",
                        "час", "дата контакта", "дата контакту", "дата и время", "дата і час"),
        "manager": _MANAGER,
        "email": _EMAIL,
        "phone": _PHONE,
    },
    "complaints": {
        "external_id": ("id", "external id", "complaint id", "ticket", "ticket id", "код",
                        "номер", "номер жалобы", "номер скарги", "номер обращения",
                        "номер звернення"),
        "customer": _CUSTOMER,
        "order_id": _ORDER,
        "category": ("category", "reason", "topic", "категория", "категорія", "причина",
                     "тема"),
        "severity": ("severity", "priority", "важность", "важливість", "приоритет",
                     "пріоритет", "критичность", "критичність"),
        "channel": _CHANNEL,
        "description": ("description", "complaint", "text", "details", "описание", "жалоба",
                        "текст", "опис", "скарга", "суть"),
        "status": _STATUS,
        "opened_at": ("opened at", "opened", "date", "created at", "created", "registered",
                      "дата", "дата обращения", "дата звернення", "дата жалобы",
                      "дата скарги", "дата регистрации", "дата реєстрації"),
        "resolved_at": ("resolved at", "resolved", "resolution date", "date resolved",
                        "дата решения", "дата рішення", "дата вирішення", "решено",
                        "вирішено"),
        "resolution": ("resolution", "solution", "answer", "решение", "рішення", "ответ",
                       "відповідь"),
        "email": _EMAIL,
        "phone": _PHONE,
    },
}
