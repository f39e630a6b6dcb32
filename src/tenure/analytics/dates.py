"""The one grammar of dates and times in a file, for the analysis and for the CRM's importer.

A file that ``tenure analyze`` reads is one ``tenure import`` reads, and the other way round,
because both read its dates through this module: :func:`parse_time` one text at a time (the
importer), :func:`time_expression` a whole column inside the engine (the analysis). Both
follow the same patterns, ``PATTERNS``; the tests run one list of texts through both.

Accepted, with surrounding spaces ignored:

- ISO 8601: ``2024-03-05``, ``2024-3-5``, ``2024-03-05 14:30``, ``2024-03-05T14:30:15``,
  ``2024-03-05 14:30:15.123`` (up to 9 fraction digits, a dot or a comma; microseconds are
  kept), with an optional offset ``Z``, ``+02``, ``+0200`` or ``+02:00`` after a time;
- day first, as European exports write: ``05.03.2024`` and ``05/03/2024``, with an optional
  `` 14:30`` or `` 14:30:15``; a two-digit year is 2000-2068 for 00-68 and 1969-1999 for
  69-99 (POSIX's ``%y``);
- year first with dots or slashes: ``2024.03.05``, ``2024/03/05``;
- compact: ``20240305`` (CDNOW), also as a whole number.

Anything else, and any impossible date or time (30 February, 24:00), is not a date. The
range of years a caller accepts is its own business (the CRM keeps 1900-2100).
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ibis.expr.types as ir

# Four digits but 0000, which Python's datetime cannot hold (RE2 has no look-ahead).
_YEAR4 = r"(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])"
_MONTH, _DAY = r"(?P<month>[0-9]{1,2})", r"(?P<day>[0-9]{1,2})"
_CLOCK = r"(?P<hour>[01]?[0-9]|2[0-3]):(?P<minute>[0-5][0-9])"
_SECOND = r"(?::(?P<second>[0-5][0-9])"
_ISO_TIME = ("(?:[ T]" + _CLOCK + _SECOND + r"(?:[.,](?P<fraction>[0-9]{1,9}))?)?"
             + r"(?P<offset>Z|[+-](?:[01][0-9]|2[0-3])(?::?[0-5][0-9])?)?)?")
_DAY_FIRST_TIME = "(?: " + _CLOCK + _SECOND + ")?)?"
_YEAR = "(?P<year>" + _YEAR4 + ")"
_YEAR_OR_YY = "(?P<year>" + _YEAR4 + "|[0-9]{2})"

#: The grammar: each pattern must match the whole (stripped) text. ASCII digits only, so
#: Python's ``re`` and the engine's RE2 read every pattern alike.
PATTERNS: tuple[str, ...] = (
    _YEAR + "-" + _MONTH + "-" + _DAY + _ISO_TIME,
    _DAY + r"\." + _MONTH + r"\." + _YEAR_OR_YY + _DAY_FIRST_TIME,
    _DAY + "/" + _MONTH + "/" + _YEAR_OR_YY + _DAY_FIRST_TIME,
    _YEAR + r"\." + _MONTH + r"\." + _DAY,
    _YEAR + "/" + _MONTH + "/" + _DAY,
    _YEAR + r"(?P<month>[0-9]{2})(?P<day>[0-9]{2})",
)
_COMPILED = tuple(re.compile(p) for p in PATTERNS)
# What Python's str.strip() strips, in RE2's words, so both sides ignore the same spaces.
_ENGINE_SPACE = r"^[\t\n\x0b\x0c\r\x1c-\x1f\x85\p{Z}]+|[\t\n\x0b\x0c\r\x1c-\x1f\x85\p{Z}]+$"
#: A two-digit year below this is in the 2000s, from it in the 1900s (POSIX ``%y``).
PIVOT = 69

HINT = "Dates must be ISO (2024-03-31), dd.mm.yyyy, dd/mm/yyyy or yyyymmdd."


def parse_time(text: str) -> datetime | None:
    """Return the time ``text`` writes, or None when it is not a date of the grammar.

    Parameters
    ----------
    text : str
        One value; spaces around it are ignored.

    Returns
    -------
    datetime or None
        Naive, unless the text gives an offset (then aware, at that offset); a date alone is
        its midnight.

    Examples
    --------
    >>> parse_time("05.03.2024 14:30")
    datetime.datetime(2024, 3, 5, 14, 30)
    >>> parse_time("2024-02-30") is None
    True
    """
    text = text.strip()
    for pattern in _COMPILED:
        if match := pattern.fullmatch(text):
            return _build(match.groupdict())
    return None


def _build(parts: dict[str, str | None]) -> datetime | None:
    year = _year(parts["year"] or "")
    fraction = (parts.get("fraction") or "").ljust(6, "0")[:6]
    try:
        value = datetime(year, int(parts["month"] or 0), int(parts["day"] or 0),
                         int(parts.get("hour") or 0), int(parts.get("minute") or 0),
                         int(parts.get("second") or 0), int(fraction))
    except ValueError:
        return None
    offset = parts.get("offset")
    return value.replace(tzinfo=_zone(offset)) if offset else value


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if year < PIVOT else 1900
    return year


def _zone(offset: str) -> timezone:  # within +-23:59 by the pattern
    if offset == "Z":
        return UTC
    digits = offset[1:].replace(":", "").ljust(4, "0")
    delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return timezone(-delta if offset[0] == "-" else delta)


def time_expression(text: ir.StringValue) -> ir.TimestampValue:
    """Return the grammar's reading of a text column, computed in the engine.

    Parameters
    ----------
    text : ibis string column

    Returns
    -------
    ibis timestamp column
        The time each text writes, as written (an offset is read but not applied: the wall
        time stays, as in a file without offsets); null where the text is not a date.
    """
    # The engine is loaded here, not with the module: the importer reads its dates in
    # Python (`parse_time`), and a process that only starts need not load Ibis.
    import ibis

    text = text.re_replace(_ENGINE_SPACE, "")
    general = ibis.coalesce(*[_reading(text, pattern) for pattern in _COMPILED])
    return ibis.cases(
        (text.re_search(_FAST_ISO), text.try_cast("timestamp")),
        (text.re_search(_FAST_DOTTED), _try_strptime()(text, "%d.%m.%Y")),
        else_=general,
    )


# The two shapes most files use take a short cut (the general reading extracts every part
# with its own regex: twenty times slower). On these shapes DuckDB's cast and strptime read
# exactly what PATTERNS read; the tests hold both to parse_time.
_FAST_ISO = ("^" + _YEAR4 + "-[0-9]{2}-[0-9]{2}"
             + "(?:[ T](?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?)?$")
_FAST_DOTTED = r"^[0-9]{2}\.[0-9]{2}\." + _YEAR4 + "$"


@functools.cache
def _try_strptime():
    """Return DuckDB's try_strptime (NULL where the text does not parse) as an Ibis function."""
    import ibis

    @ibis.udf.scalar.builtin(name="try_strptime", signature=(("string", "string"), "timestamp"))
    def try_strptime(text, fmt):
        ...

    return try_strptime


def _reading(text: ir.StringValue, pattern: re.Pattern) -> ir.TimestampValue:
    import ibis

    anchored = f"^(?:{pattern.pattern})$"
    index = pattern.groupindex

    def part(name: str, width: int, default: str) -> ir.StringValue:
        if name not in index:
            return ibis.literal(default)
        value = text.re_extract(anchored, index[name])
        return ibis.ifelse(value == "", default, value).lpad(width, "0")

    # A two-digit year (day-first dates) gets its century as in ``_year``.
    raw_year = text.re_extract(anchored, index["year"])
    century = ibis.ifelse(raw_year.cast("int32") < PIVOT, "20", "19")
    year = ibis.ifelse(raw_year.length() == 2, century.concat(raw_year), raw_year)
    fraction = part("fraction", 1, "0").rpad(6, "0").left(6)
    iso = year.concat("-", part("month", 2, "01"), "-", part("day", 2, "01"), " ",
                      part("hour", 2, "00"), ":", part("minute", 2, "00"), ":",
                      part("second", 2, "00"), ".", fraction)
    return ibis.ifelse(text.re_search(anchored), iso.try_cast("timestamp"), ibis.null())
