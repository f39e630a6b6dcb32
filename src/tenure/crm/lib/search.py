"""Text folded for search the same way in Python on every database.

SQLite's LIKE and ``lower()`` fold ASCII letters only, so "евсеев" never found
"Евсеев" there; PostgreSQL's depend on the collation. Instead the searchable text
is folded once in Python when it is written (``fold``) and stored beside the record,
and every query is folded by the same function: the database compares plain
substrings, which both engines do alike and a trigram index serves on PostgreSQL.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

from django.db import models
from django.db.models import Func, Q

from .phone import search_phone

# Combining marks to drop after NFKD ("é" -> "e", "ё" -> "е"), except the breve of
# "й" and "ў" and the diaeresis of "ї": those are letters of their own in Ukrainian,
# Belarusian and Russian, not accents on "и", "у" and "і".
_MARKS = re.compile(r"(?<![иу])\u0306|(?<!і)\u0308|[\u0300-\u0305\u0307\u0309-\u036f]")
# Apostrophes people type in Ukrainian names ("Мар'яна", "Мар’яна", "Марʼяна") as one.
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'", "`": "'", "\u2018": "'"})
_SPACES = re.compile(r"\s+")
_NOT_DIGIT = re.compile(r"\D")
# A query that is a phone number or part of one: digits and the marks around them.
_PHONE_LIKE = re.compile(r"^\+?[\d\s().\-/]+$")
# Digits of a query are looked up in phone numbers from this many on: "12" would match
# half the shop, while the last four digits of a number are how people remember it.
PHONE_DIGITS_MIN = 4
# A query's words each narrow the results; more than this many is not a search.
MAX_WORDS = 8


def fold(text: str) -> str:
    """Return ``text`` case- and accent-folded, its white space collapsed to single spaces."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = unicodedata.normalize("NFC", _MARKS.sub("", text)).translate(_APOSTROPHES)
    return _SPACES.sub(" ", text).strip()


def digits(text: str) -> str:
    """Return the digits of ``text`` ("+38 (050) 252-97-44" -> "380502529744")."""
    return _NOT_DIGIT.sub("", text)


def words(query: str) -> list[str]:
    """Return the folded words of ``query``, each of which a match must contain."""
    return fold(query).split(" ")[:MAX_WORDS] if query.strip() else []


def phone_digits_of(query: str) -> str:
    """Return the digits of a phone-like ``query`` to look up in numbers, or "".

    A local trunk prefix "0" is dropped ("020 7946" -> "207946"), since stored
    numbers are international ("+44207946...").
    """
    query = query.strip()
    if not _PHONE_LIKE.match(query):
        return ""
    found = digits(query) if query.startswith("+") else digits(query).lstrip("0")
    return found if len(found) >= PHONE_DIGITS_MIN else ""


class Rare(Func):
    """A condition few rows meet, said so to SQLite's planner (``likelihood``).

    Without it SQLite walks the name index to return a list in order and reads
    every row to find the few that match a LIKE; a scan of the table and a sort of
    the matches is several times faster. Other databases get the condition as it is
    (PostgreSQL serves the LIKE from the column's trigram index).
    """

    output_field = models.BooleanField()

    def as_sql(self, compiler, connection, **extra):
        return compiler.compile(self.source_expressions[0])

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"likelihood({sql}, 0.01)", params  # SQLite wants a constant here


def text_q(field: str, query: str) -> Q:
    """Return the condition that the folded ``field`` contains every word of ``query``."""
    return _contains_all(field, words(query))


def customer_q(text: str, prefix: str = "",
               contains: Callable[[str, list[str]], Any] | None = None) -> Q:
    """Return the condition that a customer (through ``prefix``, e.g. ``"customer__"``)
    matches ``text`` in name, email, city, notes, phone or external id.

    Words are matched case- and accent-folded ("евсеев" finds "Евсеев", "jose" finds
    "José"), each anywhere in those fields (``search_text``). A phone-like text finds the
    numbers that contain its digits ("252-9744", the last four digits), and its E.164
    form the number stored as typed before numbers were checked. ``contains(column,
    fragments)`` writes "the column holds every fragment" (default: a LIKE each; the
    customer list passes its search index's).
    """
    text = text.strip()
    contains = contains or _contains_all
    condition = Q(**{f"{prefix}external_id": text})
    if found := words(text):
        condition |= contains(f"{prefix}search_text", found)
    if phone := search_phone(text):
        condition |= Q(**{f"{prefix}phone": phone})
    if digits := phone_digits_of(text):
        condition |= contains(f"{prefix}phone_digits", [digits])
    return condition


def _contains_all(column: str, fragments: list[str]) -> Q:
    condition = Q()
    for fragment in fragments:
        condition &= Q(**{f"{column}__contains": fragment})
    return condition
