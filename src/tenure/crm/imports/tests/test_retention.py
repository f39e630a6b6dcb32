"""Retention of import files: abandoned uploads and old rejects files go, by the worker's job."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

from django.test import override_settings
from django.urls import reverse

from tenure.crm.imports.retention import remove_expired
from tenure.crm.imports.running import run_import
from tenure.crm.imports.storage import imports_dir, private_folder, uploads_dir
from tenure.crm.jobs.schedule import SCHEDULE
from tenure.crm.testing import TenureTestCase

from .files import TempFiles, own_var_dir

HOUR, DAY = 3600, 86400
ORDERS = "customer,date,amount\nc1,2024-03-05,10\nc2,yesterday,20\n"


def age(path: Path, seconds: float) -> Path:
    """Make ``path`` look written ``seconds`` ago."""
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


def upload_folder(name: str, seconds_ago: float) -> Path:
    folder = private_folder(uploads_dir() / name)
    (folder / "table.arrow").write_bytes(b"ARROW1")
    return age(folder, seconds_ago)


@override_settings(TENURE_IMPORT_UPLOAD_HOURS=24, TENURE_REJECTS_DAYS=30)
class RetentionTestCase(TenureTestCase):
    def setUp(self):
        own_var_dir(self)
        self.files = TempFiles(self)

    def import_with_rejects(self):
        result = run_import("orders", self.files.text("orders.csv", ORDERS))
        self.assertEqual(result.rejected, 1)
        return result.run

    def test_it_is_a_job_of_the_worker(self):
        [job] = [j for j in SCHEDULE if j.call.endswith("retention.remove_expired")]
        self.assertEqual(job.every, timedelta(hours=1))

    def test_it_removes_uploads_abandoned_longer_than_the_setting(self):
        old = upload_folder("old", 25 * HOUR)
        recent = upload_folder("recent", 23 * HOUR)

        result = remove_expired()

        self.assertFalse(old.exists())
        self.assertTrue((recent / "table.arrow").exists())
        self.assertEqual(result, "removed 1 upload(s) and 0 rejects file(s)")

    def test_it_removes_rejects_files_older_than_the_setting(self):
        run = self.import_with_rejects()
        rejects = Path(run.rejects_file)
        recent = imports_dir() / "recent.20260301-100000.rejects.csv"
        recent.write_text("row\n")
        other = imports_dir() / "notes.txt"
        other.write_text("not ours to judge")
        age(rejects, 31 * DAY)
        age(other, 99 * DAY)
        age(recent, 29 * DAY)

        self.assertEqual(remove_expired(), "removed 0 upload(s) and 1 rejects file(s)")

        self.assertFalse(rejects.exists())
        self.assertTrue(recent.exists())
        self.assertTrue(other.exists())

    def test_the_import_page_says_when_the_rejects_file_is_gone(self):
        run = self.import_with_rejects()
        self.login(self.admin)
        page = self.client.get(reverse("imports:detail", args=[run.pk]))
        self.assertContains(page, "Download the rejects file")
        self.assertContains(page, "Kept until")

        age(Path(run.rejects_file), 31 * DAY)
        remove_expired()

        page = self.client.get(reverse("imports:detail", args=[run.pk]))
        self.assertContains(page, "The rejects file of this import has been deleted: rejects "
                                  "files are kept for 30 days.")
        self.assertNotContains(page, "Download the rejects file")
        self.assertNotContains(page, "No row was rejected")
        self.assertEqual(self.client.get(reverse("imports:rejects", args=[run.pk])).status_code,
                         404)

    def test_it_skips_and_reports_what_it_cannot_remove(self):
        stuck = upload_folder("stuck", 25 * HOUR)
        (stuck / "inner").mkdir()
        (stuck / "inner" / "file").write_text("x")
        age(stuck, 25 * HOUR)
        odd = imports_dir() / "odd.rejects.csv"
        odd.mkdir()
        (odd / "file").write_text("x")
        age(odd, 31 * DAY)
        gone = upload_folder("gone", 25 * HOUR)

        result = remove_expired()

        self.assertFalse(gone.exists())
        self.assertTrue(result.startswith("removed 1 upload(s) and 0 rejects file(s); "
                                          "could not remove 2: "), result)
        self.assertIn(f"{stuck / 'inner'}: ", result)
        self.assertIn(f"{odd}: ", result)

    def test_it_does_nothing_when_nothing_was_ever_imported(self):
        self.assertEqual(remove_expired(), "removed 0 upload(s) and 0 rejects file(s)")
