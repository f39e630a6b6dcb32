"""The library's messages (notes, warnings, cluster descriptions) said again in Russian or
Ukrainian.

The library writes its messages in English from ``str.format`` templates marked with
``N_``; each template is a message of the library's catalogue (``tenure_analytics``, the
one of the churn reasons). ``translate`` finds the template an English message was made
from by matching its text (each ``{field}`` matches any text), then formats the template's
translation with the same values, each one translated in turn when it is itself a message
("Customer value was not computed: {error}"). A message kept as English text (the CRM
stores the analysis's notes) is thus shown in the reader's language; one the catalogue
does not hold is shown as it is.

Add a message: mark its template with ``N_`` where it is formatted, then (from the
repository root) ``make messages`` and translate the new entries of
``src/tenure/analytics/locale/{ru,uk}/LC_MESSAGES/tenure_analytics.po``.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from babel.messages.mofile import read_mo

from .languages import LANGUAGES

DOMAIN = "tenure_analytics"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
#: A field of a template: ``{name}`` or ``{name:.1f}``.
_FIELD = re.compile(r"\{(\w+)(?:![rsa])?(?::[^{}]*)?\}")
#: A message is translated at most this deep (a note quoting an error quoting a value).
_DEPTH = 4


def N_(template: str) -> str:  # noqa: N802 - the usual name of the marker
    """Mark ``template`` as a message of the catalogue; return it unchanged."""
    return template


def translate(text: str, language: str) -> str:
    """Return ``text``, a message of the library in English, in ``language``.

    Parameters
    ----------
    text : str
        A message as the library wrote it.
    language : {"en", "ru", "uk"}
        Any other language (or a text no template made) gives ``text`` back.

    Examples
    --------
    >>> translate("Customer value was not computed: no repeat purchases.", "en")
    'Customer value was not computed: no repeat purchases.'
    """
    lang = str(language).replace("_", "-").split("-")[0].lower()
    if lang == "en" or lang not in LANGUAGES or not isinstance(text, str):
        return text
    return _translate(text, _templates(lang), _DEPTH)


def _translate(text: str, templates: tuple[tuple[re.Pattern, str], ...], depth: int) -> str:
    if depth == 0:
        return text
    for pattern, translation in templates:
        found = pattern.fullmatch(text)
        # A value is a whole phrase: "478) and bought recently (36 days" is a template
        # matching across two phrases joined by "and", not the one they were made from.
        if found is not None and all(map(_balanced, found.groupdict().values())):
            return _filled(translation, {name: _translate(value, templates, depth - 1)
                                         for name, value in found.groupdict().items()})
    return text


def _balanced(value: str) -> bool:
    """Return whether every bracket of ``value`` is closed after it is opened."""
    depth = 0
    for char in value:
        depth += (char == "(") - (char == ")")
        if depth < 0:
            return False
    return depth == 0


def _filled(template: str, values: dict[str, str]) -> str:
    """Return ``template`` with each field replaced by its value, already text."""
    return _FIELD.sub(lambda field: values.get(field.group(1), field.group(0)), template)


@functools.cache
def _templates(language: str) -> tuple[tuple[re.Pattern, str], ...]:
    """Return (pattern of the English template, its translation), most specific first."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if not path.is_file():
        return ()
    with path.open("rb") as handle:
        catalogue = read_mo(handle)
    found = []
    for message in catalogue:
        msgid, msgstr = message.id, message.string
        if not isinstance(msgid, str) or not msgid or not msgstr or msgid == msgstr:
            continue  # the header, a plural form, or nothing to say differently
        found.append((_pattern(msgid), str(msgstr), len(_FIELD.sub("", msgid))))
    found.sort(key=lambda entry: -entry[2])  # the longest fixed text first
    return tuple((pattern, msgstr) for pattern, msgstr, _ in found)


def _pattern(template: str) -> re.Pattern:
    """Return a regular expression matching what ``template`` formats to."""
    parts, seen, start = [], set(), 0
    for field in _FIELD.finditer(template):
        parts.append(re.escape(template[start:field.start()]))
        name = field.group(1)
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
        seen.add(name)
        start = field.end()
    parts.append(re.escape(template[start:]))
    return re.compile("".join(parts), re.DOTALL)
