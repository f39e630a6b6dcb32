from __future__ import annotations

import sqlite3
import tempfile
from email.message import EmailMessage
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
from django.test import override_settings

from tenure.crm.privacy import files
from tenure.crm.privacy.identifiers import Identifiers
from tenure.crm.testing import TenureTestCase

SEPARATOR = b"\n" + b"-" * 79 + b"\n"


class ErasureFilesTestCase(TenureTestCase):
    """Every kind of file under var/ that can name a person: what the erasure does to it."""

    def setUp(self):
        folder = tempfile.TemporaryDirectory(prefix="tenure-privacy-files-")
        self.addCleanup(folder.cleanup)
        self.var = Path(folder.name)
        override = override_settings(VAR_DIR=self.var)
        override.enable()
        self.addCleanup(override.disable)
        self.person = Identifiers(names={"Ганна Шевчук"}, emails={"hanna@example.ua"},
                                  phones={"+380671112233"}, external_ids={"K-5521"})

    def write(self, name: str, data: bytes) -> Path:
        path = self.var / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    def erase_files(self) -> files.FilePlan:
        plan = files.plan(self.person)
        plan.apply()
        plan.commit()
        return plan

    def test_it_drops_her_records_from_a_text_file_in_its_own_encoding(self):
        text = ("id;name;phone;notes\n"
                "K-5521;Ганна Шевчук;067 111-22-33;\"two\nlines\"\n"
                "K-77;Петро Іваненко;+380501234567;\"Ганна's neighbour? no\"\n"
                "K-78;Петро;(067) 111 22 33;\n")
        path = self.write("imports/uploads/a/people.csv", text.encode("cp1251"))

        plan = self.erase_files()

        self.assertEqual(plan.rewritten, 1)
        self.assertEqual(path.read_bytes().decode("cp1251"),
                         "id;name;phone;notes\n"
                         "K-77;Петро Іваненко;+380501234567;\"Ганна's neighbour? no\"\n")

    def test_it_finds_her_external_id_only_as_a_field_of_its_own(self):
        path = self.write("imports/orders.csv", b"order,customer,total\n"
                                                b"O-1,K-5521,10\nO-2,K-55210,12\nO-3,XK-5521,1\n")

        self.erase_files()

        self.assertEqual(path.read_bytes(),
                         b"order,customer,total\nO-2,K-55210,12\nO-3,XK-5521,1\n")

    def test_it_removes_a_spreadsheet_or_parquet_file_that_names_her(self):
        book = openpyxl.Workbook()
        book.active.append(["name", "email"])
        book.active.append(["Ганна Шевчук", "HANNA@example.ua"])
        book.save(self.var / "people.xlsx")
        pq.write_table(pa.table({"email": ["hanna@example.ua"]}), self.var / "people.parquet")
        pq.write_table(pa.table({"email": ["other@example.ua"]}), self.var / "others.parquet")

        plan = self.erase_files()

        self.assertEqual(plan.removed, 2)
        self.assertFalse((self.var / "people.xlsx").exists())
        self.assertFalse((self.var / "people.parquet").exists())
        self.assertTrue((self.var / "others.parquet").exists())

    def test_it_drops_her_messages_from_a_mail_file_however_they_are_encoded(self):
        def message(to: str, body: str) -> bytes:
            mail = EmailMessage()
            mail["To"], mail["Subject"] = to, "Ваша скарга"
            mail.set_content(body, cte="base64")
            return mail.as_bytes()

        hers = message("someone@example.ua", "Шановна Ганна Шевчук, вашу скаргу вирішено.")
        other = message("petro@example.ua", "Шановний Петре, дякуємо.")
        path = self.write("mail/20260101-120000-1.log", hers + SEPARATOR + other + SEPARATOR)
        self.assertNotIn("Ганна".encode(), path.read_bytes())  # base64: a grep would miss it

        self.erase_files()

        self.assertEqual(path.read_bytes(), other + SEPARATOR)

    def test_it_leaves_another_database_alone_and_says_so(self):
        backup = self.var / "backups" / "tenure.sqlite3"
        backup.parent.mkdir()
        with sqlite3.connect(backup) as db:
            db.execute("CREATE TABLE t (email TEXT)")
            db.execute("INSERT INTO t VALUES ('hanna@example.ua')")

        plan = self.erase_files()

        self.assertEqual(plan.left, [backup.resolve()])
        self.assertEqual(plan.changes, [])

    def test_undo_puts_every_file_back(self):
        path = self.write("imports/a.csv", b"email\nhanna@example.ua\nother@example.ua\n")
        gone = self.write("mail/1.log", message_naming_her() + SEPARATOR)
        plan = files.plan(self.person)

        plan.apply()
        self.assertFalse(gone.exists())
        plan.undo()

        self.assertEqual(path.read_text(), "email\nhanna@example.ua\nother@example.ua\n")
        self.assertEqual(gone.read_bytes(), message_naming_her() + SEPARATOR)
        self.assertEqual(sorted(p.name for p in self.var.rglob("*") if p.is_file()),
                         ["1.log", "a.csv"])

    def test_a_rewritten_file_keeps_its_permissions(self):
        path = self.write("imports/a.csv", b"email\nhanna@example.ua\nother@example.ua\n")
        path.chmod(0o600)

        self.erase_files()

        self.assertEqual(path.stat().st_mode & 0o777, 0o600)
        self.assertEqual(path.read_text(), "email\nother@example.ua\n")


def message_naming_her() -> bytes:
    mail = EmailMessage()
    mail["To"], mail["Subject"] = "hanna@example.ua", "Hello"
    mail.set_content("Hello")
    return mail.as_bytes()
