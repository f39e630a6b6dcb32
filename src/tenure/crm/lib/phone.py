"""Phone numbers normalised to E.164 ("+380441234567")."""

from __future__ import annotations

import phonenumbers
from django.conf import settings


class InvalidPhone(ValueError):
    """The text is not a phone number that can be dialled."""


def normalize_phone(text: str | None, region: str | None = None) -> str:
    """Return ``text`` as an E.164 number, or "" for an empty value.

    Numbers without a leading "+" are read in ``region`` (default: the
    ``TENURE_PHONE_REGION`` setting), as shops write local numbers.
    """
    raw = (text or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, region or settings.TENURE_PHONE_REGION)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(f"'{raw}' is not a phone number") from exc
    if not phonenumbers.is_possible_number(number):
        raise InvalidPhone(f"'{raw}' is not a phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
