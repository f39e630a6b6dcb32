"""The rejects file: one line per problem, with the row number, field, value and reason.

Columns: row, field, value, reason, then the row's original cells, so a user
can fix the rows in a spreadsheet and import the rejects file itself again.
Written in UTF-8 with a BOM, which Excel needs to show Cyrillic text. Every value
that a spreadsheet would run as a formula is neutralised, and the file is private
(0600): it holds the rows of customers' personal data it rejected.
"""

from __future__ import annotations

import csv
from pathlib import Path

from django.utils import timezone

from tenure.analytics.textfiles import neutralise

from .rows import Rows
from .storage import imports_dir, private_folder, private_opener

HEADER = ["row", "field", "value", "reason"]
SUFFIX = ".rejects.csv"


def default_path(file_name: str) -> Path:
    """Return ``<TENURE_VAR_DIR>/imports/<file stem>.<timestamp>.rejects.csv``."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return imports_dir() / f"{Path(file_name).stem}.{stamp}{SUFFIX}"


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
    """Write the rejects of ``rows`` to ``path`` (private folders created as needed)."""
    private_folder(path.parent)
    with open(path, "w", encoding="utf-8-sig", newline="", opener=private_opener) as out:
        writer = csv.writer(out)
        writer.writerow([neutralise(v) for v in [*HEADER, *rows.table.headers]])
        writer.writerows([neutralise(v) for v in line] for line in lines(rows))


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
