"""Header synonyms of the kinds only the CRM imports: interactions and complaints.

The analytics readers never read these, so they live here rather than in the shared
table of ``tenure.analytics.columns``; ``mapping`` joins the two.
"""

from __future__ import annotations

from tenure.analytics.columns import SYNONYMS as SHARED

_CUSTOMER = SHARED["orders"]["customer"]
_ORDER = SHARED["orders"]["order_id"]
_STATUS = SHARED["orders"]["status"]
_MANAGER = SHARED["customers"]["manager"]
_CHANNEL = ("channel", "via", "канал", "канал связи", "канал зв'язку", "источник", "джерело")

SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "interactions": {
        "external_id": ("id", "external id", "interaction id", "contact id", "код",
                        "номер", "id контакта", "id контакту"),
        "customer": _CUSTOMER,
        "kind": ("kind", "type", "interaction type", "contact type", "тип", "вид",
                 "тип контакта", "тип контакту", "вид контакта", "вид контакту"),
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
    },
}
