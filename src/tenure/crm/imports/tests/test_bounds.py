"""Uploads bounded before they are unpacked: bombs, too many rows or columns, damaged files."""

from __future__ import annotations

import time
import tracemalloc
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from tenure.crm.imports.models import ImportRun
from tenure.crm.imports.reading import ImportFileError, read_table
from tenure.crm.imports.storage import uploads_dir
from tenure.crm.testing import TenureTestCase

from .files import TempFiles, own_var_dir
from .hostile import SHEET, SHEET_END, SHEET_START, parquet_bytes, with_sheet, xlsx_bomb, xlsx_bytes

MB = 1024 * 1024
ROWS = [["customer", "date", "amount"], *[[f"c{i}", "2024-03-05", "10"] for i in range(6)]]


class BombTestCase(TenureTestCase):
    def setUp(self):
        self.files = TempFiles(self)
        own_var_dir(self)
        self.bomb = xlsx_bomb(self.files.path("orders.xlsx"), megabytes=120)

    def test_the_bomb_is_small_and_unpacks_to_more_than_100_mb(self):
        self.assertLess(self.bomb.stat().st_size, 1 * MB)
        with zipfile.ZipFile(self.bomb) as archive:
            self.assertGreater(archive.getinfo(SHEET).file_size, 100 * MB)

    def test_it_refuses_a_bomb_at_once_with_memory_bounded(self):
        started = time.perf_counter()
        tracemalloc.start()
        try:
            with self.assertRaises(ImportFileError) as caught:
                read_table(self.bomb)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

        self.assertLess(time.perf_counter() - started, 3)
        self.assertLess(peak, 10 * MB)
        self.assertIn("orders.xlsx: xl/worksheets/sheet1.xml inside the spreadsheet unpacks to",
                      str(caught.exception))
        self.assertIn("TENURE_IMPORT_MAX_RATIO", str(caught.exception))

    @override_settings(TENURE_IMPORT_MAX_RATIO=10_000, TENURE_IMPORT_MAX_MB=50)
    def test_it_refuses_a_workbook_that_unpacks_past_the_size_limit(self):
        with self.assertRaisesMessage(ImportFileError, "orders.xlsx: the file holds 121 MB of "
                                      "data, more than the 50 MB one import takes "
                                      "(TENURE_IMPORT_MAX_MB)"):
            read_table(self.bomb)

    def test_the_upload_page_refuses_the_bomb_and_keeps_nothing(self):
        self.login(self.admin)
        started = time.perf_counter()

        response = self.client.post(reverse("imports:upload"), {
            "kind": "orders", "source": "shop",
            "file": SimpleUploadedFile("orders.xlsx", self.bomb.read_bytes()),
        })

        self.assertLess(time.perf_counter() - started, 5)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Refused as a possible zip bomb")
        self.assertEqual(list(uploads_dir().iterdir()), [])
        self.assertNotIn("imports_uploads", self.client.session)
        self.assertEqual(ImportRun.objects.count(), 0)


@override_settings(TENURE_IMPORT_MAX_ROWS=5, TENURE_IMPORT_MAX_COLUMNS=3)
class LimitsTestCase(TenureTestCase):
    def setUp(self):
        self.files = TempFiles(self)

    def csv(self, rows: list[list[str]], name="orders.csv") -> bytes:
        return self.files.bytes(name, "\n".join(",".join(r) for r in rows).encode())

    def assertRefused(self, path, *fragments: str):
        with self.assertRaises(ImportFileError) as caught:
            read_table(path)
        for fragment in fragments:
            self.assertIn(fragment, str(caught.exception))

    def test_it_reads_a_file_at_the_limits(self):
        for path in (self.csv(ROWS[:6]),
                     self.files.bytes("orders.xlsx", xlsx_bytes(ROWS[:6])),
                     self.files.bytes("orders.parquet", parquet_bytes(
                         {h: [r[i] for r in ROWS[1:6]] for i, h in enumerate(ROWS[0])}))):
            with self.subTest(path.name):
                self.assertEqual(read_table(path).num_rows, 5)

    def test_it_refuses_a_row_past_the_limit_in_every_format(self):
        too_many = ("the file has more than 5 rows", "TENURE_IMPORT_MAX_ROWS")
        ragged = [*ROWS, ["c9", "2024-03-05", "10", "extra"]]
        for path in (self.csv(ROWS),
                     self.csv(ragged, "ragged.csv"),  # the careful reader counts too
                     self.files.bytes("orders.tsv", b"customer date amount\n" + b"c1 d 1\n" * 6),
                     self.files.bytes("orders.xlsx", xlsx_bytes(ROWS)),
                     self.files.bytes("orders.parquet", parquet_bytes(
                         {h: [r[i] for r in ROWS[1:]] for i, h in enumerate(ROWS[0])}))):
            with self.subTest(path.name):
                self.assertRefused(path, f"{path.name}: ", *too_many)

    def test_it_refuses_a_column_past_the_limit_in_every_format(self):
        wide = [["customer", "date", "amount", "comment"], ["c1", "2024-03-05", "10", "hi"]]
        message = ("the file has 4 columns, more than the 3 one import takes "
                   "(TENURE_IMPORT_MAX_COLUMNS)")
        for path in (self.csv(wide),
                     self.files.bytes("orders.xlsx", xlsx_bytes(wide)),
                     self.files.bytes("orders.parquet", parquet_bytes(
                         {h: [wide[1][i]] for i, h in enumerate(wide[0])}))):
            with self.subTest(path.name):
                self.assertRefused(path, f"{path.name}: {message}")

    def test_it_reads_a_workbook_whose_declared_size_is_wider_than_its_cells(self):
        sheet = (SHEET_START.replace("<sheetData>", '<dimension ref="A1:XFD3"/><sheetData>')
                 + '<row r="1"><c r="A1" t="inlineStr"><is><t>customer</t></is></c></row>'
                 + '<row r="2"><c r="A2" t="inlineStr"><is><t>c1</t></is></c></row>'
                 + SHEET_END)
        path = with_sheet(self.files.path("wide.xlsx"), [sheet.encode()])

        table = read_table(path)

        self.assertEqual((table.headers, table.head(5)), (["customer"], [["c1"]]))

    @override_settings(TENURE_IMPORT_MAX_MB=4)
    def test_it_refuses_shared_texts_too_large_to_hold(self):
        texts = "".join(f"<si><t>customer {i}</t></si>" for i in range(60_000)).encode()
        path = with_sheet(self.files.path("texts.xlsx"), [(SHEET_START + SHEET_END).encode()],
                          extra={"xl/sharedStrings.xml": texts})

        self.assertRefused(path, "texts.xlsx: the spreadsheet's shared texts "
                                 "(xl/sharedStrings.xml) unpack to 2 MB, more than 1 MB (a "
                                 "quarter of TENURE_IMPORT_MAX_MB)")

    @override_settings(TENURE_IMPORT_MAX_MB=1)
    def test_it_refuses_a_csv_past_the_size_limit_before_reading_it(self):
        path = self.files.bytes("big.csv",
                                b"customer,date,amount\n" + b"c1,2024-03-05,10\n" * 70_000)

        self.assertRefused(path, "big.csv: the file holds 2 MB of data, more than the 1 MB",
                           "TENURE_IMPORT_MAX_MB")

    def test_the_upload_page_names_the_limit(self):
        self.login(self.admin)

        response = self.client.post(reverse("imports:upload"), {
            "kind": "orders", "source": "shop",
            "file": SimpleUploadedFile("orders.csv", self.csv(ROWS).read_bytes()),
        })

        self.assertContains(response, "orders.csv: the file has more than 5 rows, the most one "
                                      "import takes (TENURE_IMPORT_MAX_ROWS)")
        self.assertContains(response, "At most 500 MB of data, 5 rows and 3 columns per file.")


class DamagedFilesTestCase(TenureTestCase):
    """Every parser failure is an ImportFileError naming the file, on the page a message."""

    def setUp(self):
        self.files = TempFiles(self)

    def damaged(self) -> dict[str, tuple]:
        workbook = xlsx_bytes(ROWS)
        parquet = parquet_bytes({"customer": ["c1"], "amount": [1.5]})
        return {
            "corrupt-sheet.xlsx": (with_sheet(
                self.files.path("corrupt-sheet.xlsx"),
                [b'<worksheet xmlns="x"><sheetData><row r="1"><c r="A1" t="s"><v>7</v></c>'
                 b"</row><row r=\"2\"><c r=\"B2\"><v>1</v></c></sheetData></worksheet>"]
            ), "the spreadsheet cannot be read"),
            "truncated.xlsx": (self.files.bytes("truncated.xlsx", workbook[:len(workbook) // 2]),
                               "the spreadsheet cannot be read"),
            "bad-footer.parquet": (self.files.bytes("bad-footer.parquet",
                                              parquet[:-12] + b"\xff" * 8 + parquet[-4:]),
                                   "the Parquet file cannot be read"),
            "random.bin": (self.files.bytes("random.bin", bytes(range(256)) * 40),
                           "the file is not a CSV, XLSX or Parquet file"),
            "nul.csv": (self.files.bytes("nul.csv", b"customer,amount\nc1,1\x00\n"),
                        "the file is not a CSV, XLSX or Parquet file"),
        }

    def test_read_table_names_the_file_and_the_problem(self):
        for name, (path, problem) in self.damaged().items():
            with self.subTest(name), self.assertRaises(ImportFileError) as caught:
                read_table(path)
            self.assertTrue(str(caught.exception).startswith(f"{name}: {problem}"),
                            str(caught.exception))

    def test_the_upload_page_shows_the_problem_instead_of_failing(self):
        self.login(self.admin)
        for name, (path, problem) in self.damaged().items():
            with self.subTest(name):
                response = self.client.post(reverse("imports:upload"), {
                    "kind": "orders", "source": "shop",
                    "file": SimpleUploadedFile(name, path.read_bytes()),
                })
                self.assertContains(response, f"{name}: {problem}")

    def test_it_refuses_an_entity_bomb_inside_a_sheet(self):
        laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10 if i else "lol" * 10}">'
                         for i in range(12))
        sheet = (f'<?xml version="1.0"?><!DOCTYPE w [{laughs}]>' + SHEET_START
                 + '<row r="1"><c r="A1" t="inlineStr"><is><t>&l11;</t></is></c></row>'
                 + SHEET_END)
        path = with_sheet(self.files.path("laughs.xlsx"), [sheet.encode()])

        with self.assertRaisesMessage(ImportFileError, "laughs.xlsx: the spreadsheet cannot "
                                                       "be read"):
            read_table(path)
