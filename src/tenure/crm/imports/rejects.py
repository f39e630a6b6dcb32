"""The rejects file: one line per problem, with the row number, field, value and reason.

Columns: row, field, value, reason, then the row's original cells, so a user
can fix the rows in a spreadsheet and import the rejects file itself again.
Written in UTF-8 with a BOM, which Excel needs to show Cyrillic text.
"""

from __future__ import annotations

import csv
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .rows import Rows

HEADER = ["row", "field", "value", "reason"]


def default_path(file_name: str) -> Path:
    """Return ``<TENURE_VAR_DIR>/imports/<file stem>.<timestamp>.rejects.csv``."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return Path(settings.VAR_DIR) / "imports" / f"{Path(file_name).stem}.{stamp}.rejects.csv"


def lines(rows: Rows) -> list[list]:
    """Return the rejects lines (several per row when several fields are bad)."""
    table = rows.table
    found = [[number, -1, "", "", reason, *[""] * len(table.headers)]
             for number, reason in table.bad_rows]
    originals: dict[int, list] = {}
    for problem in rows.problems:
        if problem.index not in originals:
            originals[problem.index] = table.row_values(problem.index)
        found.append([table.row_numbers[problem.index].as_py(), rows.position(problem.field),
                      rows.label(problem.field), rows.value_of(problem), problem.reason,
                      *originals[problem.index]])
    # Row order, then the file's column order within a row.
    return [[line[0], *line[2:]] for line in sorted(found, key=lambda line: line[:2])]


def write(path: Path, rows: Rows) -> None:
    """Write the rejects of ``rows`` to ``path`` (folders created as needed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([*HEADER, *rows.table.headers])
        writer.writerows(lines(rows))


def read(path: str | Path, limit: int = 500) -> list[dict]:
    """Return the first ``limit`` problems of a rejects file (row, field, value, reason)."""
    try:
        with Path(path).open(encoding="utf-8-sig", newline="") as source:
            reader = csv.reader(source)
            next(reader, None)
            return [dict(zip(HEADER, line[:4], strict=True))
                    for _, line in zip(range(limit), reader, strict=False)]
    except OSError:
        return []
