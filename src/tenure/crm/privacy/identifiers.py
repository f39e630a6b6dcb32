"""What identifies a person, and how to tell that a text mentions them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import phonenumbers

# Shorter values would match other people's text by chance.
MIN_EMAIL = 6
MIN_PHONE_DIGITS = 7
# A one-word name ("Anna") is shared by too many people to be looked for in other
# records; the person's own records are cleared whatever their name.
MIN_NAME_WORDS = 2
# An all-digit external id this short is as likely to be a quantity or a price.
MIN_NUMERIC_ID = 5
# Characters that separate fields in the files Tenure reads and writes.
_DELIMITED_BEFORE = r"(?<![^\s,;|\t\"'])"
_DELIMITED_AFTER = r"(?![^\s,;|\t\"'])"


@dataclass
class Identifiers:
    """The names, emails, phones and external ids a person is known by."""

    names: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    external_ids: set[str] = field(default_factory=set)

    def add(self, fields: dict) -> None:
        """Add the identifiers found in a customer's fields (a row or a merge snapshot)."""
        for key, bucket in (("name", self.names), ("email", self.emails),
                            ("phone", self.phones), ("external_id", self.external_ids)):
            value = fields.get(key)
            if isinstance(value, str) and value.strip():
                bucket.add(value.strip())

    def __bool__(self) -> bool:
        return bool(self.names or self.emails or self.phones or self.external_ids)

    def terms(self) -> list[str]:
        """Return the values specific enough to be looked for anywhere, longest first."""
        found = {e for e in self.emails if len(e) >= MIN_EMAIL}
        found |= {p for p in self.phones if sum(c.isdigit() for c in p) >= MIN_PHONE_DIGITS}
        found |= {n for n in self.names if len(n.split()) >= MIN_NAME_WORDS}
        return sorted(found, key=lambda term: (-len(term), term))

    def _term_parts(self) -> list[str]:
        """Return a pattern per term: any spacing inside a name."""
        return [r"\s+".join(re.escape(word) for word in term.split()) for term in self.terms()]

    def text_pattern(self) -> re.Pattern | None:
        """Return a pattern of :meth:`terms` (any case, any spacing inside a name)."""
        parts = self._term_parts()
        return re.compile("|".join(parts), re.IGNORECASE) if parts else None

    def line_pattern(self) -> re.Pattern | None:
        """Return a pattern for a line of a file: the terms, a phone however it is written,
        and an external id standing as a field of its own."""
        parts = self._term_parts()
        parts += [_phone_pattern(phone) for phone in self.phones]
        parts += [_DELIMITED_BEFORE + re.escape(ext) + _DELIMITED_AFTER
                  for ext in self.external_ids
                  if not (ext.isdigit() and len(ext) < MIN_NUMERIC_ID)]
        parts = [part for part in parts if part]
        return re.compile("|".join(parts), re.IGNORECASE) if parts else None


def _phone_pattern(phone: str) -> str:
    """Return a pattern of the number's national digits with any separators between them,
    so "+380 50 123-45-67" and "050 1234567" match "+380501234567"."""
    try:
        national = str(phonenumbers.parse(phone, None).national_number)
    except phonenumbers.NumberParseException:
        national = "".join(c for c in phone if c.isdigit())
    if len(national) < MIN_PHONE_DIGITS:
        return ""
    return r"[\s().-]*".join(national) + r"(?!\d)"


def replace_in(value, pattern: re.Pattern, replacement: str):
    """Return ``value`` (text, or JSON: dicts, lists, strings) with every match replaced."""
    if isinstance(value, str):
        return pattern.sub(replacement, value)
    if isinstance(value, list):
        return [replace_in(item, pattern, replacement) for item in value]
    if isinstance(value, dict):
        return {replace_in(key, pattern, replacement): replace_in(item, pattern, replacement)
                for key, item in value.items()}
    return value
