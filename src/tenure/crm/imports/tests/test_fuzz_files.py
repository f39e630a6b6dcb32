"""Random and mutated files: the reader answers with a table or an ImportFileError, nothing else.

Seeds are real files of each format; hypothesis truncates them, flips bits, overwrites
and inserts bytes, or makes bytes up, and shrinks any file that breaks the reader.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tenure.crm.imports.reading import (
    ImportFileError,
    Limits,
    open_table,
    read_table,
    save_table,
)

from .hostile import parquet_bytes, xlsx_bytes

ROWS = [["customer", "date", "amount", "name"],
        ["c1", "2024-03-05", "10,50", "Олена"], ["c2", "2024-03-06", "7", "Café"]]
SEEDS = [
    xlsx_bytes(ROWS),
    parquet_bytes({"customer": ["c1", "c2"], "amount": [10.5, 7.0], "name": ["Олена", None]}),
    "\n".join(";".join(r) for r in ROWS).encode("utf-8"),
    "\n".join(";".join(r) for r in ROWS).encode("cp1251", errors="replace"),
    b'customer,"note"\nc1,"two\nlines"\nc2,x,y\n',
    b"id date cds dollars\n1 19970101 1 29.33\n",
]
LIMITS = Limits(max_bytes=4 * 1024 * 1024, max_rows=1000, max_columns=50, max_ratio=100)


@st.composite
def mutated(draw) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        how = draw(st.sampled_from(["truncate", "flip", "overwrite", "insert"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if how == "truncate":
            del data[at:]
        elif how == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif how == "overwrite":
            chunk = draw(st.binary(min_size=1, max_size=16))
            data[at:at + len(chunk)] = chunk
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
    return bytes(data)


FILES = st.one_of(mutated(), st.binary(max_size=2048),
                  st.binary(max_size=512).map(lambda tail: b"PK\x03\x04" + tail),
                  st.binary(max_size=512).map(lambda tail: b"PAR1" + tail))


@settings(max_examples=200, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(FILES)
def test_only_an_import_file_error_comes_out(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload.bin"
        path.write_bytes(data)
        try:
            table = read_table(path, limits=LIMITS)
        except ImportFileError as exc:
            assert str(exc).startswith("upload.bin: ")
        else:
            assert all(len(c) == table.num_rows for c in table.columns)
            table.head(5)
            # The upload page's way: parsed once into the canonical table, mapped back.
            save_table(path, Path(folder) / "table.arrow", limits=LIMITS)
            again = open_table(Path(folder) / "table.arrow", "upload.bin")
            assert (again.headers, again.head(5)) == (table.headers, table.head(5))
