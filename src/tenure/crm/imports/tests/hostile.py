"""Hostile files for the import tests: workbooks that unpack to a lot, damaged parts, seeds."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl import Workbook

SHEET = "xl/worksheets/sheet1.xml"
SHEET_START = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
               "<sheetData>")
SHEET_END = "</sheetData></worksheet>"


def xlsx_bytes(rows: list[list]) -> bytes:
    """Return a real workbook (openpyxl) holding ``rows``."""
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def parquet_bytes(columns: dict[str, list]) -> bytes:
    out = io.BytesIO()
    pq.write_table(pa.table(columns), out)
    return out.getvalue()


def with_sheet(path: Path, pieces: Iterable[bytes], extra: dict[str, bytes] | None = None
               ) -> Path:
    """Write a real workbook to ``path`` whose first sheet's XML is ``pieces``, streamed.

    ``extra`` adds parts by name.
    """
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["a"]])))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in (extra or {}).items():
            out.writestr(name, data)
        for entry in source.infolist():
            if entry.filename != SHEET:
                out.writestr(entry.filename, source.read(entry))
                continue
            with out.open(SHEET, "w", force_zip64=True) as sheet:
                for piece in pieces:
                    sheet.write(piece)
    return path


def xlsx_bomb(path: Path, megabytes: int = 120) -> Path:
    """Write a workbook of a few hundred KB whose sheet unpacks to ``megabytes`` MB.

    The same row again and again, without row numbers (which the format allows):
    deflate stores each repeat in a few bits.
    """
    row = (b'<row><c t="inlineStr"><is><t>Olena</t></is></c>'
           b'<c t="inlineStr"><is><t>2024-03-05</t></is></c><c><v>10.5</v></c></row>')
    block = row * (1024 * 1024 // len(row))
    header = ('<row><c t="inlineStr"><is><t>customer</t></is></c>'
              '<c t="inlineStr"><is><t>date</t></is></c>'
              '<c t="inlineStr"><is><t>amount</t></is></c></row>')
    pieces = [(SHEET_START + header).encode(), *([block] * megabytes), SHEET_END.encode()]
    return with_sheet(path, pieces)
