from __future__ import annotations

import io

from auditlog.models import LogEntry
from django.core.management import CommandError, call_command
from django.db import connection

from tenure.crm.customers.models import ConsentChange, Customer, CustomerAlias, CustomerMerge
from tenure.crm.engagement.models import Complaint, Interaction
from tenure.crm.feedback.models import Answer
from tenure.crm.messaging.models import Message
from tenure.crm.privacy.erasing import erase
from tenure.crm.privacy.models import Erasure

from . import people
from .base import PrivacyTestCase
from .scanning import database_mentions, file_mentions


class ErasureTestCase(PrivacyTestCase):
    def erase_by_command(self, *extra: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        try:
            call_command("privacy", "erase", "--customer", str(self.zoltan.pk), *extra,
                         stdout=out, stderr=err)
        except CommandError as exc:
            return exc.returncode, out.getvalue(), str(exc)
        return 0, out.getvalue(), err.getvalue()

    def test_the_person_is_known_everywhere_before(self):
        # The scans below can fail: before the erasure they find him in many places.
        mentions = database_mentions(people.identifiers())
        for table in ("customers_customer", "customers_customermerge", "auditlog_logentry",
                      "engagement_interaction", "engagement_activity", "engagement_complaint",
                      "feedback_answer", "messaging_message", "messaging_notification",
                      "django_admin_log"):
            self.assertTrue(any(m.startswith(f"{table}.") for m in mentions), table)
        files = file_mentions(self.var, people.identifiers())
        for folder in ("uploads", "mail"):
            self.assertTrue(any(f"/{folder}/" in m for m in files), folder)
        self.assertTrue(any(".rejects.csv" in m for m in files))

    def test_it_erases_the_person_from_every_column_and_file_and_keeps_the_figures(self):
        figures = people.figures()
        revenue = Customer.objects.with_order_stats().get(pk=self.zoltan.pk).revenue

        status, out, err = self.erase_by_command("--yes")

        self.assertEqual(status, 0, err)
        self.assertIn(f"Erased customer #{self.zoltan.pk}", out)
        self.assertEqual(database_mentions(people.identifiers()), [])
        self.assertEqual(file_mentions(self.var, people.identifiers()), [])
        self.assertEqual(people.figures(), figures)
        self.assertEqual(Customer.objects.with_order_stats().get(pk=self.zoltan.pk).revenue,
                         revenue)

    def test_it_leaves_everyone_else_as_they_were(self):
        olha = [people.OLHA["name"], people.OLHA["email"], people.OLHA["phone"]]
        before_db = database_mentions(olha)
        before_files = file_mentions(self.var, olha)

        erase(self.zoltan, by=self.admin)

        self.assertEqual(database_mentions(olha), before_db)
        self.assertEqual(file_mentions(self.var, olha), before_files)
        self.olha.refresh_from_db()
        self.assertEqual((self.olha.name, self.olha.email, self.olha.phone, self.olha.city),
                         (people.OLHA["name"], people.OLHA["email"], people.OLHA["phone"],
                          "Kyiv"))

    def test_it_replaces_the_mentions_of_the_person_in_other_records(self):
        erase(self.zoltan, by=self.admin)

        self.olha.refresh_from_db()
        self.assertEqual(self.olha.notes, "Came with her friend [erased] ([erased])")
        export = LogEntry.objects.get(object_pk="", additional_data__access="export")
        self.assertEqual(export.additional_data["filters"], {"q": ["[erased]"]})
        # Her notes, the export's search, and the audit entry of the change of her notes.
        self.assertEqual(Erasure.objects.get().counts["mentions"], 3)

    def test_it_blanks_the_copies_of_staff_emails_about_the_person(self):
        reminder = Message.objects.get(customer=self.zoltan, user=self.manager)
        self.assertIn(people.ZOLTAN["name"], reminder.body_text)

        erase(self.zoltan, by=self.admin)

        reminder.refresh_from_db()
        self.assertEqual((reminder.to_email, reminder.subject, reminder.body_text),
                         ("bob@shop.example", "", ""))

    def test_it_keeps_the_anonymous_customer_and_their_records_without_texts(self):
        # Who looked after him holds nothing personal, and the managers' figures need it.
        managers = list(self.zoltan.assignments.values_list("manager", "started_at",
                                                            "ended_at"))
        self.assertEqual([m for m, _s, _e in managers], [self.manager.pk])
        erase(self.zoltan, by=self.admin)
        self.assertEqual(list(self.zoltan.assignments.values_list("manager", "started_at",
                                                                  "ended_at")), managers)
        self.assertEqual(Customer.objects.get(pk=self.zoltan.pk).manager, self.manager)

        z = Customer.objects.get(pk=self.zoltan.pk)
        self.assertEqual((z.name, z.email, z.phone, z.city, z.notes, z.birth_date, z.gender),
                         ("", "", "", "", "", None, ""))
        self.assertEqual(z.external_id, f"erased-{z.pk}")
        self.assertEqual(list(z.tags.all()), [])
        self.assertFalse(z.consent_email)
        self.assertTrue(ConsentChange.objects.filter(customer=z, source="erasure",
                                                     granted=False).exists())
        self.assertEqual(z.orders.count(), 2)
        self.assertEqual(list(Interaction.objects.filter(customer=z)
                              .values_list("summary", "channel")), [("", "")])
        complaint = Complaint.objects.get(customer=z)
        self.assertEqual((complaint.description, complaint.resolution), ("[erased]", ""))
        # Nor does the folded copy that search reads keep the text.
        self.assertEqual(complaint.search_text, "[erased]")
        self.assertEqual(complaint.status, "resolved")
        answer = Answer.objects.get(customer=z)
        self.assertEqual((answer.score, answer.comment), (3, ""))
        for message in Message.objects.filter(customer=z):
            self.assertEqual((message.subject, message.body_text, message.body_html),
                             ("", "", ""))
            if message.user_id is None:
                self.assertEqual(message.to_email, "")

    def test_it_records_the_erasure_with_counts_and_without_the_data(self):
        erase(self.zoltan, by=self.admin)

        erasure = Erasure.objects.get(customer_id=self.zoltan.pk)
        self.assertEqual(erasure.erased_by, self.admin)
        self.assertEqual(erasure.counts["interactions"], 1)
        self.assertEqual(erasure.counts["complaints"], 1)
        self.assertEqual(erasure.counts["merges"], 1)
        self.assertGreater(erasure.counts["audit_entries"], 3)
        self.assertGreaterEqual(erasure.counts["files_rewritten"], 3)
        self.assertEqual(erasure.counts["consent_withdrawn"], 1)

    def test_it_scrubs_the_merge_snapshot_of_the_merged_duplicate(self):
        erase(self.zoltan, by=self.admin)

        merge = CustomerMerge.objects.get(kept=self.zoltan)
        fields = merge.snapshot["removed"]["fields"]
        self.assertEqual((fields["name"], fields["email"], fields["phone"], fields["notes"]),
                         ("", "", "", ""))
        self.assertEqual(merge.snapshot["alias"]["external_id"], "")

    def test_it_forgets_the_ids_other_files_knew_them_by(self):
        CustomerAlias.objects.create(source="webshop", external_id="zoltan.qv@example.net",
                                     customer=self.zoltan)
        self.assertTrue(CustomerAlias.objects.filter(customer=self.zoltan).exists())

        erase(self.zoltan, by=self.admin)

        self.assertFalse(CustomerAlias.objects.filter(customer=self.zoltan).exists())

    def test_it_scrubs_the_audit_entries_about_the_person_but_keeps_who_and_when(self):
        edit = LogEntry.objects.filter(
            additional_data__customer=self.zoltan.pk, action=LogEntry.Action.UPDATE,
            actor=self.manager, changes__has_key="name").get()

        erase(self.zoltan, by=self.admin)

        edit.refresh_from_db()
        self.assertEqual(edit.actor, self.manager)
        self.assertEqual(edit.object_repr, "[erased]")
        self.assertEqual(edit.changes["name"], ["[erased]", "[erased]"])
        self.assertTrue(LogEntry.objects.filter(
            additional_data__customer=self.zoltan.pk, additional_data__has_key="erasure",
            actor=self.admin).exists())

    def test_it_is_one_transaction_and_puts_the_files_back_when_it_fails(self):
        files = sorted(p for p in self.var.rglob("*") if p.is_file())
        contents = {path: path.read_bytes() for path in files}
        entries = LogEntry.objects.count()
        refuse_erasure_records()

        status, _, error = self.erase_by_command("--yes")

        self.assertEqual(status, 1)
        self.assertIn("nothing was changed", error)
        self.zoltan.refresh_from_db()
        self.assertEqual((self.zoltan.name, self.zoltan.email, self.zoltan.external_id),
                         (people.ZOLTAN["name"], people.ZOLTAN["email"], "C-7781"))
        self.assertEqual(Interaction.objects.get(customer=self.zoltan).summary,
                         f"{people.ZOLTAN['name']} asked about delivery")
        self.assertEqual(LogEntry.objects.count(), entries)
        self.assertFalse(Erasure.objects.exists())
        self.assertEqual(sorted(p for p in self.var.rglob("*") if p.is_file()), files)
        self.assertEqual({path: path.read_bytes() for path in files}, contents)

    def test_it_asks_for_confirmation_and_erases_nothing_unconfirmed(self):
        status, out, error = self.erase_by_command()

        self.assertEqual(status, 1)
        self.assertIn("Erase customer", out)
        self.assertIn("not confirmed", error)
        self.zoltan.refresh_from_db()
        self.assertEqual(self.zoltan.name, people.ZOLTAN["name"])

    def test_it_fails_for_a_customer_that_does_not_exist(self):
        with self.assertRaises(CommandError) as caught:
            call_command("privacy", "erase", "--customer", "999999", "--yes")
        self.assertEqual(caught.exception.returncode, 1)


def refuse_erasure_records() -> None:
    """Make the database refuse the erasure's record: a failure after everything else."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("CREATE TRIGGER refuse_erasure BEFORE INSERT ON privacy_erasure "
                           "BEGIN SELECT RAISE(ABORT, 'disk full'); END")
        else:
            cursor.execute("CREATE FUNCTION refuse_erasure() RETURNS trigger AS $$ "
                           "BEGIN RAISE EXCEPTION 'disk full'; END $$ LANGUAGE plpgsql")
            cursor.execute("CREATE TRIGGER refuse_erasure BEFORE INSERT ON privacy_erasure "
                           "FOR EACH ROW EXECUTE FUNCTION refuse_erasure()")

