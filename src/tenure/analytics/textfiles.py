"""What every reader of shop exports knows: delimiters, encodings, signatures, headers.

Shared by ``tenure.analytics.frames`` and the CRM's importer, so a file that one
of them reads the other reads the same way.
"""

from __future__ import annotations

import re

DELIMITERS = ("\t", ";", ",")
# Encodings tried after UTF-8: 1C/BAS and Excel in Russia and Ukraine save Windows-1251.
LEGACY_ENCODINGS = ["cp1251", "cp1252", "koi8_r", "utf_16"]
XLSX_MAGIC = b"PK\x03\x04"
PARQUET_MAGIC = b"PAR1"


def sniff_delimiter(line: str) -> str | None:
    """Return the delimiter the header line uses, or None for whitespace-separated text.

    The most frequent of tab, semicolon and comma wins; a line with none of them
    but several words is whitespace-separated (as CDNOW's files are).
    """
    counts = {d: line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    if counts[best]:
        return best
    return None if re.search(r"\S\s+\S", line.strip()) else ","


def unique_headers(headers: list[str]) -> list[str]:
    """Return the headers stripped, blanks named and repeats numbered ("Sum", "Sum (2)")."""
    seen: dict[str, int] = {}
    unique = []
    named = (h.strip() or f"column {i + 1}" for i, h in enumerate(headers))
    for header in named:
        seen[header] = seen.get(header, 0) + 1
        unique.append(header if seen[header] == 1 else f"{header} ({seen[header]})")
    return unique
