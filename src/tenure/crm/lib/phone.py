"""Phone numbers normalised to E.164 ("+380441234567") and checked against the numbering plan.

A number written without "+" is read in the shop's region (``TENURE_PHONE_REGION``), as
shops write local numbers; it must then be a valid number of that region, so
"(202) 252-9744" (an American number without its country code) is refused instead of
becoming "+3802022529744". Numbers of other countries are welcome with their country code.

Numbers stored before this check are not rewritten: they stay as they are until someone
changes them. The customer form keeps an unchanged stored number; a file that gives one
again has its row rejected with the reason; search still finds them as typed.
"""

from __future__ import annotations

import phonenumbers
from django.conf import settings
from django.utils.translation import gettext as _
from phonenumbers import NumberParseException, ValidationResult


class InvalidPhone(ValueError):
    """The text is not a phone number that can be dialled; the message says why and what to do."""


def normalize_phone(text: str | None, region: str | None = None) -> str:
    """Return ``text`` as an E.164 number, or "" for an empty value.

    Raise InvalidPhone, with a translated reason and an example, unless the
    number is valid (in ``region``, default ``TENURE_PHONE_REGION``, when it has no "+").
    """
    raw = (text or "").strip()
    if not raw:
        return ""
    region = region or settings.TENURE_PHONE_REGION
    number = _parse(raw, region)
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(_explain(_why_invalid(raw, number, region), region))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def search_phone(text: str, region: str | None = None) -> str:
    """Return the E.164 form of any *possible* number in ``text``, else "" (never raises).

    Search is looser than input: it still finds numbers stored before the check.
    """
    try:
        number = phonenumbers.parse(text.strip(), region or settings.TENURE_PHONE_REGION)
    except NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _parse(raw: str, region: str) -> phonenumbers.PhoneNumber:
    try:
        return phonenumbers.parse(raw, region)
    except NumberParseException as exc:
        if exc.error_type == NumberParseException.INVALID_COUNTRY_CODE:
            reason = _("no country has this code")
        elif exc.error_type in (NumberParseException.TOO_SHORT_NSN,
                                NumberParseException.TOO_SHORT_AFTER_IDD):
            reason = _("too short for a phone number")
        elif exc.error_type == NumberParseException.TOO_LONG:
            reason = _("too long for a phone number")
        else:
            reason = _("not a phone number")
        raise InvalidPhone(_explain(reason, region)) from exc


def _why_invalid(raw: str, number: phonenumbers.PhoneNumber, region: str) -> str:
    possible = phonenumbers.is_possible_number_with_reason(number)
    if possible == ValidationResult.TOO_SHORT:
        return _("too short for a phone number")
    if possible == ValidationResult.TOO_LONG:
        return _("too long for a phone number")
    if possible == ValidationResult.INVALID_COUNTRY_CODE:
        return _("no country has this code")
    if raw.startswith("+"):
        return _("not a valid number with the country code +%(code)s") % {
            "code": number.country_code}
    return _("not a valid number of the region %(region)s (+%(code)s)") % {
        "region": region, "code": number.country_code}


def _explain(reason: str, region: str) -> str:
    """Return ``reason`` with how to write a number, an example of ``region`` included."""
    example = _example(region)
    if not example:
        return _("%(reason)s: write the number with its country code after a +") % {
            "reason": reason}
    return _("%(reason)s: write the number with its country code after a +, "
             "for example %(example)s") % {"reason": reason, "example": example}


def _example(region: str) -> str:
    number = (phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
              or phonenumbers.example_number(region))
    if number is None:
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
