"""Text encodings: UTF-8 with a few bad bytes is refused with their place; Windows-1251 is read."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tenure.crm.imports.reading import ImportFileError, read_table
from tenure.crm.testing import TenureTestCase

from .files import TempFiles

HEADER = "customer;name;city\n"


class EncodingsTestCase(TenureTestCase):
    def setUp(self):
        self.files = TempFiles(self)

    def almost_utf8(self) -> tuple[bytes, int]:
        """Return a UTF-8 file with one Latin-1 "é" on line 4, and that byte's offset."""
        good = (HEADER + "c1;Café Olena;Київ\nc2;Олена Коваленко;Львів\n").encode()
        bad = b"c3;Caf\xe9 Petro;Kyiv\n" + "c4;Zoë;Odesa\n".encode()
        return good + bad, len(good) + len(b"c3;Caf")

    def test_it_refuses_utf8_with_a_few_invalid_bytes_naming_line_and_offset(self):
        data, offset = self.almost_utf8()
        path = self.files.bytes("customers.csv", data)

        with self.assertRaises(ImportFileError) as caught:
            read_table(path)

        self.assertEqual(offset, 93)
        self.assertIn("customers.csv: the file is UTF-8 except for bytes that are not: the "
                      "first is on line 4, at byte offset 93.", str(caught.exception))

    def test_it_finds_the_first_bad_byte_past_the_first_megabyte(self):
        rows = "".join(f"c{i};Café {i};Київ\n" for i in range(60_000)).encode()
        path = self.files.bytes("big.csv", HEADER.encode() + rows + b"c9;\xff;x\n")

        with self.assertRaisesMessage(ImportFileError, f"line {60_002}, at byte offset "
                                                       f"{len(HEADER) + len(rows) + 3}."):
            read_table(path)

    def test_the_upload_page_shows_where_the_bad_byte_is(self):
        self.login(self.admin)
        data, _offset = self.almost_utf8()

        response = self.client.post(reverse("imports:upload"), {
            "kind": "customers", "source": "shop",
            "file": SimpleUploadedFile("customers.csv", data, content_type="text/csv"),
        })

        self.assertContains(response, "first is on line 4, at byte offset 93")

    def test_it_still_reads_windows_1251(self):
        # Capitals before "І" make a few byte pairs that happen to be valid UTF-8.
        text = (HEADER.replace("name", "Назва") + "c1;ВІДДІЛ ПРОДАЖІВ;Київ\n"
                "c2;Олена Коваленко;Біла Церква\n")
        path = self.files.bytes("customers.csv", text.encode("cp1251"))

        table = read_table(path)

        self.assertEqual(table.headers, ["customer", "Назва", "city"])
        self.assertEqual(table.head(2), [["c1", "ВІДДІЛ ПРОДАЖІВ", "Київ"],
                                         ["c2", "Олена Коваленко", "Біла Церква"]])

    def test_it_reads_utf8_with_a_byte_order_mark(self):
        path = self.files.bytes("customers.csv", ("\ufeff" + HEADER + "c1;Café;Київ\n").encode())

        table = read_table(path)

        self.assertEqual((table.headers[0], table.head(1)), ("customer", [["c1", "Café", "Київ"]]))
