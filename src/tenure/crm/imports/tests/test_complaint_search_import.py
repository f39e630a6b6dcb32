"""Imported complaints are searchable by their folded text, and again after a re-import."""

from __future__ import annotations

from urllib.parse import quote

from tenure.crm.customers.models import Customer
from tenure.crm.engagement.models import Complaint
from tenure.crm.imports.running import run_import
from tenure.crm.testing import TenureTestCase

from .files import TempFiles


class ComplaintImportSearchTestCase(TenureTestCase):
    def found(self, query: str) -> list[str]:
        self.login(self.admin)
        r = self.client.get(f"/search/?q={quote(query)}")
        sections = {found.section.key: found.hits for found in r.context["results"]}
        return [hit.title for hit in sections.get("complaints", [])]

    def test_imported_complaints_are_folded_and_refolded_when_their_text_changes(self):
        files = TempFiles(self)
        Customer.objects.create(source="import", external_id="c1", name="Ben")
        header = "id,customer,category,description,opened\n"
        run_import("complaints", files.text("k.csv", header
                                            + "k1,c1,quality,Кришка ТРІСНУЛА,2026-03-01\n"),
                   user=self.admin, rejects_path=files.path("r.csv"))
        imported = Complaint.objects.get(external_id="k1")
        self.assertEqual(imported.search_text, "кришка тріснула")
        self.assertEqual(self.found("тріснула"), [str(imported)])
        run_import("complaints", files.text("k2.csv", header
                                            + "k1,c1,quality,Ґудзик відпав,2026-03-01\n"),
                   user=self.admin, rejects_path=files.path("r2.csv"))
        self.assertEqual(self.found("ґудзик"), [str(imported)])
        self.assertEqual(self.found("тріснула"), [])
