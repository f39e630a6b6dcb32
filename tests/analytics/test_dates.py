"""One date grammar: the same texts through the Python reader and the engine's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import ibis
import pytest

from tenure.analytics.dates import parse_time, time_expression

# text -> the time it writes (None: not a date). Offsets are kept by parse_time only.
CASES = {
    "2024-03-05": datetime(2024, 3, 5),
    "2024-3-5": datetime(2024, 3, 5),
    "2024-03-05 9:05": datetime(2024, 3, 5, 9, 5),
    "2024-03-05T14:30:15": datetime(2024, 3, 5, 14, 30, 15),
    "2024-03-05 14:30:15.123456789": datetime(2024, 3, 5, 14, 30, 15, 123456),
    "2024-03-05T14:30:15,5": datetime(2024, 3, 5, 14, 30, 15, 500000),
    "2024-03-05T14:30:00Z": datetime(2024, 3, 5, 14, 30, tzinfo=UTC),
    "2024-03-05T14:30:00+02:00": datetime(2024, 3, 5, 14, 30,
                                          tzinfo=timezone(timedelta(hours=2))),
    "2024-03-05 14:30-0530": datetime(2024, 3, 5, 14, 30,
                                      tzinfo=timezone(-timedelta(hours=5, minutes=30))),
    "05.03.2024": datetime(2024, 3, 5),
    "5.3.2024 14:30": datetime(2024, 3, 5, 14, 30),
    "05.03.24": datetime(2024, 3, 5),
    "05.03.69": datetime(1969, 3, 5),
    "05/03/2024 14:30:15": datetime(2024, 3, 5, 14, 30, 15),
    "2024.03.05": datetime(2024, 3, 5),
    "2024/03/05": datetime(2024, 3, 5),
    "19970101": datetime(1997, 1, 1),
    "\u00a0 2024-03-05\u2009": datetime(2024, 3, 5),
    "0001-01-01": datetime(1, 1, 1),
    "1899-12-31": datetime(1899, 12, 31),
    "29.02.2024": datetime(2024, 2, 29),
    "2024-03-05 14:30": datetime(2024, 3, 5, 14, 30),
    "2024-03-05T23:59:59": datetime(2024, 3, 5, 23, 59, 59),
    "0001-01-01 00:00": datetime(1, 1, 1),
    "29.02.2023": None,
    "31.02.2024": None,
    "00.03.2024": None,
    "05.03.0000": None,
    "2024-02-30": None,
    "2024-13-01": None,
    "0000-01-01": None,
    "2024-03-05 24:00": None,
    "2024-03-05T14:30:60": None,
    "2024-03-05+02:00": None,
    "2024-03-05T14:30+24:00": None,
    "2024-W10-2": None,
    "20240305T1430": None,
    "2024-03-05 14": None,
    "2024.03/05": None,
    "12.31.2024": None,
    "March 5, 2024": None,
    "\u0662\u0660\u0662\u0664-03-05": None,  # Arabic-Indic digits
    "99999999": None,
    "": None,
}


@pytest.mark.parametrize(("text", "expected"), CASES.items())
def test_parse_time_reads_the_grammar(text, expected):
    assert parse_time(text) == expected


def test_the_engine_reads_every_text_as_parse_time_does():
    table = ibis.memtable({"text": list(CASES)})
    rows = ibis.duckdb.connect().to_pyarrow(table.mutate(time=time_expression(table.text)))
    engine = {row["text"]: row["time"] for row in rows.to_pylist()}
    python = {t: (v.replace(tzinfo=None) if v else None) for t, v in CASES.items()}
    assert engine == python
