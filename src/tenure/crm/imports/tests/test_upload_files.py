"""The upload page's files: read once at upload, private, removed once the import has run."""

from __future__ import annotations

import stat
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tenure.crm.imports.models import ImportRun
from tenure.crm.imports.storage import imports_dir, uploads_dir
from tenure.crm.sales.models import Order
from tenure.crm.testing import TenureTestCase

from .files import own_var_dir

CSV = (
    b"customer;date;amount\n"
    b"c1;05.03.2024;10,50\n"
    b"c2;06.03.2024;20\n"
    b"c3;not a date;30\n"
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


class UploadFilesTestCase(TenureTestCase):
    def setUp(self):
        own_var_dir(self)
        self.login(self.admin)

    def upload(self, content=CSV, name="orders.csv") -> str:
        response = self.client.post(reverse("imports:upload"), {
            "kind": "orders", "source": "shop",
            "file": SimpleUploadedFile(name, content, content_type="text/csv"),
        })
        self.assertEqual(response.status_code, 302)
        return response["Location"]

    def folders(self) -> list[Path]:
        return sorted(uploads_dir().iterdir())

    def test_it_keeps_only_the_table_read_at_upload(self):
        preview = self.upload()

        [folder] = self.folders()
        self.assertEqual([p.name for p in folder.iterdir()], ["table.arrow"])
        # The file as sent is gone, so the preview and the import can only read that table.
        response = self.client.get(preview)
        self.assertContains(response, "<td>not a date</td>", html=False)
        self.assertContains(response, "3 rows.")
        self.client.post(preview, {"col0": "customer", "col1": "date", "col2": "amount"})
        self.assertEqual(sorted(Order.objects.values_list("customer__external_id", flat=True)),
                         ["c1", "c2"])

    def test_it_makes_every_folder_and_file_private(self):
        preview = self.upload()
        [folder] = self.folders()

        self.assertEqual(mode(imports_dir()), 0o700)
        self.assertEqual(mode(uploads_dir()), 0o700)
        self.assertEqual(mode(folder), 0o700)
        self.assertEqual(mode(folder / "table.arrow"), 0o600)
        self.client.post(preview, {"col0": "customer", "col1": "date", "col2": "amount"})
        rejects = Path(ImportRun.objects.get().rejects_file)
        self.assertEqual(rejects.parent, imports_dir())
        self.assertEqual(mode(rejects), 0o600)

    def test_it_makes_an_existing_world_readable_imports_folder_private(self):
        uploads_dir().mkdir(parents=True, mode=0o755)
        imports_dir().chmod(0o755)

        self.upload()

        self.assertEqual((mode(imports_dir()), mode(uploads_dir())), (0o700, 0o700))

    def test_it_removes_the_upload_once_imported(self):
        preview = self.upload()

        self.client.post(preview, {"col0": "customer", "col1": "date", "col2": "amount"})

        self.assertEqual(self.folders(), [])
        self.assertEqual(self.client.session["imports_uploads"], {})
        self.assertEqual(self.client.get(preview).status_code, 404)

    def test_it_keeps_the_upload_for_a_corrected_mapping_when_the_import_fails(self):
        preview = self.upload()

        response = self.client.post(preview, {"col0": "customer", "col1": "date", "col2": ""})

        self.assertContains(response, "no column for the required field(s) amount")
        self.assertEqual(ImportRun.objects.get().error[:10], "orders.csv")
        self.assertEqual(len(self.folders()), 1)

        self.client.post(preview, {"col0": "customer", "col1": "date", "col2": "amount"})
        self.assertEqual(ImportRun.objects.filter(error="").count(), 1)
        self.assertEqual(self.folders(), [])

    def test_it_explains_an_upload_that_is_no_longer_kept(self):
        preview = self.upload()
        [folder] = self.folders()
        (folder / "table.arrow").unlink()
        folder.rmdir()

        response = self.client.get(preview)

        self.assertContains(response, "orders.csv is no longer kept: an upload not imported "
                                      "within 24 hours is removed. Upload the file again.")
        response = self.client.post(preview, {"col0": "customer", "col1": "date",
                                              "col2": "amount"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(ImportRun.objects.count(), 0)
