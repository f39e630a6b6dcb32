"""Uploads: a zip bomb refused, a large workbook read once, its preview served without parsing.

Each step runs in a child process of its own, so its wall time and peak memory are its
alone (``wait4``):

- ``bomb``: ``read_table`` of a workbook of a few hundred KB whose sheet unpacks to 120 MB
  (the issue's bomb: 390 KB to 116 MB took the web process up by 870 MB and each preview
  27 s). It must be refused, at once and with little memory.
- ``save``: the upload page's one parse of a real workbook (``save_table``: XLSX to the
  canonical Arrow table), beside ``parse``: one full parse of the same workbook, what every
  preview cost before the upload was read once.
- ``preview``: ``open_table`` and the first ten rows, what each preview costs now.

Run alone: ``python bench/upload_bench.py`` (``--rows`` for the workbook's size).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rows import Row

HERE = Path(__file__).resolve()
BOMB_MB = 120
PREVIEW_RUNS = 5


def write_bomb(path: Path, megabytes: int = BOMB_MB) -> Path:
    """Write a workbook whose one sheet repeats a row until it unpacks to ``megabytes`` MB."""
    import zipfile

    row = (b'<row><c t="inlineStr"><is><t>Olena</t></is></c>'
           b'<c t="inlineStr"><is><t>2024-03-05</t></is></c><c><v>10.5</v></c></row>')
    block = row * (1024 * 1024 // len(row))
    start = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxml'
             b'formats.org/spreadsheetml/2006/main"><sheetData><row><c t="inlineStr"><is><t>'
             b'customer</t></is></c><c t="inlineStr"><is><t>date</t></is></c>'
             b'<c t="inlineStr"><is><t>amount</t></is></c></row>')
    end = b"</sheetData></worksheet>"
    template = _minimal_workbook()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        for name, data in template.items():
            out.writestr(name, data)
        with out.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(start)
            for _ in range(megabytes):
                sheet.write(block)
            sheet.write(end)
    return path


def _minimal_workbook() -> dict[str, bytes]:
    """Return every part of a one-sheet workbook but the sheet itself."""
    import io
    import zipfile

    from openpyxl import Workbook

    buffer = io.BytesIO()
    Workbook().save(buffer)
    with zipfile.ZipFile(buffer) as book:
        return {name: book.read(name) for name in book.namelist()
                if name != "xl/worksheets/sheet1.xml"}


def write_workbook(path: Path, rows: int) -> Path:
    """Write an orders workbook of ``rows`` rows, as a shop's export would look."""
    from datetime import date, timedelta

    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Orders")
    sheet.append(["Номер", "Дата", "Клиент", "Email", "Телефон", "Сумма"])
    start = date(2024, 1, 1)
    for i in range(rows):
        sheet.append([f"ORD-{i:07d}", start + timedelta(days=i % 700), f"C-{i % 20_000:05d}",
                      f"c{i % 20_000}@example.org", f"+38067{i % 10_000_000:07d}",
                      round(10 + (i * 7919) % 5000 / 10, 2)])
    book.save(path)
    return path


def bench_uploads(rows: int, workdir: Path) -> list[Row]:
    """Return the bench rows of the three steps."""
    bomb = write_bomb(workdir / "bomb.xlsx")
    book = write_workbook(workdir / "orders.xlsx", rows)
    kib = bomb.stat().st_size // 1024
    baseline = _child("baseline", bomb, workdir)["peak_mib"]
    bomb_run = _child("bomb", bomb, workdir)
    result = [Row("upload: zip bomb refused", f"{kib:,} KB unpacking to {BOMB_MB} MB",
                  f"{bomb_run['seconds']:.2f} s, peak {bomb_run['peak_mib']} MiB",
                  "refused; the issue's: 27 s and +870 MB",
                  bomb_run["refused"] and bomb_run["seconds"] < 5)]
    result[0].notes.append(f"a process that only starts Django peaks at {baseline} MiB")
    result[0].notes.append(f"message: {bomb_run['message'][:160]}")
    size = f"{rows:,} rows x 6 columns, {book.stat().st_size / 1e6:.1f} MB XLSX"
    save, parse = _child("save", book, workdir), _child("parse", book, workdir)
    previews = [_child("preview", workdir / "orders.arrow", workdir)["seconds"]
                for _ in range(PREVIEW_RUNS)]
    result.append(Row("upload: workbook read once (save_table)", size,
                      f"{save['seconds']:.1f} s, peak {save['peak_mib']} MiB",
                      f"beside one full parse: {parse['seconds']:.1f} s, "
                      f"peak {parse['peak_mib']} MiB"))
    preview = statistics.median(previews)
    result.append(Row("upload: each preview (open_table, first 10 rows)", size,
                      f"median {preview * 1000:.0f} ms of {PREVIEW_RUNS} (child process, "
                      "start-up excluded)",
                      f"before: a full parse per preview, {parse['seconds']:.1f} s",
                      preview < parse["seconds"]))
    return result


def _child(step: str, path: Path, workdir: Path) -> dict:
    """Run one step in a child process; return its JSON report with its peak memory."""
    out = workdir / f"upload-{step}.json"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tenure.crm.settings",
           "TENURE_VAR_DIR": str(workdir / "var")}
    process = subprocess.Popen([sys.executable, str(HERE), "--step", step, str(path),
                                "--json", str(out)], env=env)
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status):
        raise RuntimeError(f"upload bench step {step} failed")
    return {**json.loads(out.read_text()), "peak_mib": usage.ru_maxrss // 1024}


def _step(step: str, path: Path) -> dict:
    """Run one step in this process (the child); return its figures."""
    import django

    django.setup()
    from tenure.crm.imports.reading import ImportFileError, open_table, read_table, save_table

    started = time.perf_counter()
    report: dict = {"refused": False, "message": ""}
    if step == "baseline":
        pass
    elif step == "bomb":
        try:
            read_table(path)
        except ImportFileError as exc:
            report.update(refused=True, message=str(exc))
    elif step == "save":
        report["rows"] = save_table(path, path.with_suffix(".arrow"))
    elif step == "parse":
        report["rows"] = read_table(path).num_rows
    else:
        report["rows"] = len(open_table(path, path.name).head(10))
    report["seconds"] = time.perf_counter() - started
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--step", choices=["baseline", "bomb", "save", "parse", "preview"])
    parser.add_argument("path", nargs="?", type=Path)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    if args.step:
        args.json.write_text(json.dumps(_step(args.step, args.path)))
        return 0
    with tempfile.TemporaryDirectory(prefix="tenure-upload-bench-") as folder:
        from run import print_table

        print_table(bench_uploads(args.rows, Path(folder)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
