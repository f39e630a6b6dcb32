"""A file may withdraw consent, but grant it only with the source and words it was given by."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from tenure.crm.customers.models import ConsentChange, Customer
from tenure.crm.imports.loaders.customers import ConsentNotEvidenced
from tenure.crm.imports.models import ImportRun
from tenure.crm.imports.running import run_import
from tenure.crm.testing import TenureTestCase

from .files import TempFiles, run_command

GRANTS = "external_id,name,consent_email,consent_sms\nc1,Olena,yes,no\nc2,Petro,,yes\n"
WITHDRAWS = "external_id,consent_email\nc1,no\n"
WORDS = "I agree to receive the shop's news by email."


class ConsentImportTestCase(TenureTestCase):
    def setUp(self):
        self.files = TempFiles(self)

    def path(self, content: str, name: str = "people.csv"):
        return self.files.text(name, content)

    def evidence(self) -> list[tuple]:
        return sorted(ConsentChange.objects.values_list(
            "customer__external_id", "channel", "granted", "purpose", "source", "wording",
            "file_name", "changed_by__username"))

    def test_it_refuses_a_file_that_grants_consent_without_its_source(self):
        with self.assertRaises(ConsentNotEvidenced) as refused:
            run_import("customers", self.path(GRANTS), user=self.admin)
        self.assertEqual(str(refused.exception), (
            "people.csv grants consent (consent_email, consent_sms) to 2 customers (external ids "
            "c1, c2) but does not say how they gave it. Name the consent source and the words "
            "the customers agreed to (--consent-source and --consent-wording, or the consent "
            "fields of the upload page), or leave the consent columns out; withdrawals need "
            "neither. Nothing was imported."))
        self.assertFalse(Customer.objects.exists())
        self.assertFalse(ConsentChange.objects.exists())
        self.assertIn("grants consent", ImportRun.objects.get().error)

    def test_it_records_each_grant_with_its_source_words_file_and_user(self):
        run_import("customers", self.path(GRANTS), user=self.admin,
                   consent_source="written_form", consent_wording=WORDS)
        self.assertEqual(self.evidence(), [
            ("c1", "email", True, "marketing", "written_form", WORDS, "people.csv", "alice"),
            ("c1", "sms", False, "marketing", "import_file", "", "people.csv", "alice"),
            ("c2", "sms", True, "marketing", "written_form", WORDS, "people.csv", "alice"),
        ])

    def test_it_honours_withdrawals_without_a_source(self):
        olena = Customer.objects.create(source="import", external_id="c1", name="Olena")
        olena.set_consent("email", True, source="web_form")
        run_import("customers", self.path(WITHDRAWS, "stop.csv"))
        olena.refresh_from_db()
        self.assertFalse(olena.consent_email)
        change = olena.consent_changes.first()
        self.assertEqual((change.granted, change.source, change.file_name, change.wording),
                         (False, "import_file", "stop.csv", ""))

    def test_it_lets_a_file_repeat_a_consent_already_given(self):
        olena = Customer.objects.create(source="import", external_id="c1", name="Olena")
        olena.set_consent("email", True, source="web_form")
        run_import("customers", self.path("external_id,name,consent_email\nc1,Olena K,yes\n"))
        olena.refresh_from_db()
        self.assertEqual((olena.name, olena.consent_changes.count()), ("Olena K", 1))

    def test_it_takes_the_source_and_words_on_the_command_line(self):
        status, out, err = run_command("customers", str(self.path(GRANTS)), "--no-progress",
                                       "--consent-source", "in_person",
                                       "--consent-wording", WORDS)
        self.assertEqual((status, err), (0, ""))
        self.assertEqual({row[4] for row in self.evidence() if row[2]}, {"in_person"})

    def test_the_command_line_refuses_grants_without_a_source(self):
        status, out, err = run_command("customers", str(self.path(GRANTS)), "--no-progress")
        self.assertEqual(status, 1)
        self.assertIn("does not say how they gave it", err)
        self.assertFalse(Customer.objects.exists())

    def test_the_command_line_refuses_half_the_evidence_or_a_source_that_cannot_grant(self):
        # argparse's own refusal is status 2 on the real command line, 1 through call_command.
        for options, message, statuses in (
                (["--consent-source", "in_person"], "Give the words the customers agreed to",
                 {2}),
                (["--consent-wording", WORDS], "is not a way customers give consent", {2}),
                (["--consent-source", "survey_link", "--consent-wording", WORDS],
                 "invalid choice", {1, 2})):
            with self.subTest(options):
                status, _out, err = run_command("customers", str(self.path(GRANTS)), *options)
                self.assertIn(status, statuses)
                self.assertIn(message, err)
        self.assertFalse(Customer.objects.exists())

    def test_the_upload_page_takes_the_source_and_words(self):
        self.login(self.admin)
        r = self.client.post("/import/", {
            "kind": "customers", "source": "import", "consent_source": "phone_call",
            "consent_wording": WORDS,
            "file": SimpleUploadedFile("people.csv", GRANTS.encode(), content_type="text/csv")})
        headers = ["external_id", "name", "consent_email", "consent_sms"]
        r = self.client.post(r["Location"], {f"col{i}": h for i, h in enumerate(headers)})
        self.assertEqual(r.status_code, 302)
        self.assertEqual({(row[0], row[1], row[4], row[7]) for row in self.evidence() if row[2]},
                         {("c1", "email", "phone_call", "alice"),
                          ("c2", "sms", "phone_call", "alice")})

    def test_the_upload_page_shows_the_refusal_of_grants_without_a_source(self):
        self.login(self.admin)
        r = self.client.post("/import/", {
            "kind": "customers", "source": "import",
            "file": SimpleUploadedFile("people.csv", GRANTS.encode(), content_type="text/csv")})
        headers = ["external_id", "name", "consent_email", "consent_sms"]
        r = self.client.post(r["Location"], {f"col{i}": h for i, h in enumerate(headers)})
        self.assertContains(r, "does not say how they gave it")
        self.assertFalse(Customer.objects.exists())

    def test_the_upload_form_wants_both_the_source_and_the_words(self):
        self.login(self.admin)
        r = self.client.post("/import/", {
            "kind": "customers", "source": "import", "consent_source": "phone_call",
            "file": SimpleUploadedFile("people.csv", GRANTS.encode(), content_type="text/csv")})
        self.assertContains(r, "Give the words the customers agreed to")
