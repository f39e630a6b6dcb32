from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import time_machine

from tenure.crm.customers.models import Customer
from tenure.crm.engagement.models import Complaint, ComplaintSla, Interaction
from tenure.crm.imports.mapping import auto_mapping
from tenure.crm.imports.running import run_import
from tenure.crm.messaging.models import Message, Notification
from tenure.crm.sales.models import Order
from tenure.crm.testing import TenureTestCase

from .files import TempFiles, run_command

NOW = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)

CONTACTS = (
    "Код;Клиент;Тип;Канал;Направление;Результат;Комментарий;Дата;Менеджер\n"
    "i1;c1;Звонок;+380441234567;исходящий;перезвонить;Call on Friday;03.03.2026 10:30;bob\n"
    "i2;c2;email;ann@example.com;in;;Asks for an invoice;2026-03-02;\n"
    "i3;zz;call;;;;;2026-03-02;\n"                      # row 4: unknown customer
    "i4;c1;fax;;sideways;maybe;;yesterday;nobody\n"     # row 5: five bad fields
    "i1;c2;note;;;;;2026-03-02;\n"                      # row 6: repeats row 2
)
COMPLAINTS = (
    "id,customer,order,category,severity,channel,description,status,opened,resolved,resolution\n"
    "k1,c1,o1,доставка,высокая,звонок,Late parcel,,2026-03-01 08:00,,\n"
    "k2,c2,,quality,low,email,Broken lid,closed,2026-02-01,2026-02-03,Replaced\n"
    "k3,c2,,billing,,,Charged twice,,2026-02-10,2026-02-11,Refunded\n"
    "k4,c1,o2,delivery,low,,x,,2026-03-01,,\n"                 # row 5: order of c2
    "k5,c1,o9,delivery,low,,x,resolved,2026-03-01,,\n"         # row 6: unknown order, no date
    "k6,c1,,delivery,low,,x,new,2026-03-01,2026-03-02,\n"      # row 7: open with a date
    "k7,c1,,delivery,urgentish,,x,,2026-03-05,2026-03-02,\n"   # row 8: severity, date order
)


def problems(path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as source:
        return [line[:4] for line in csv.reader(source)][1:]


@time_machine.travel(NOW, tick=False)
class EngagementImportTestCase(TenureTestCase):
    def setUp(self):
        self.files = TempFiles(self)
        self.c1 = Customer.objects.create(source="import", external_id="c1", name="Ann")
        self.c2 = Customer.objects.create(source="import", external_id="c2", name="Ben",
                                          email="ben@example.com")
        for ext, customer in (("o1", self.c1), ("o2", self.c2)):
            Order.objects.create(source="import", external_id=ext, customer=customer,
                                 ordered_at=NOW, total=Decimal("1"))

    def test_it_recognises_the_headers(self):
        self.assertEqual(
            list(auto_mapping("interactions", CONTACTS.split("\n")[0].split(";")).values()),
            ["external_id", "customer", "kind", "channel", "direction", "outcome", "summary",
             "occurred_at", "manager"])
        self.assertEqual(
            list(auto_mapping("complaints", COMPLAINTS.split("\n")[0].split(",")).values()),
            ["external_id", "customer", "order_id", "category", "severity", "channel",
             "description", "status", "opened_at", "resolved_at", "resolution"])

    def test_it_imports_interactions_and_reports_the_bad_rows(self):
        result = run_import("interactions", self.files.text("i.csv", CONTACTS),
                            rejects_path=self.files.path("r.csv"))

        self.assertEqual((result.rows, result.inserted, result.rejected), (5, 2, 3))
        call = Interaction.objects.get(external_id="i1")
        self.assertEqual(
            (call.customer, call.kind, call.channel, call.direction, call.outcome, call.summary,
             call.occurred_at, call.manager, call.source),
            (self.c1, "call", "+380441234567", "out", "callback", "Call on Friday",
             datetime(2026, 3, 3, 10, 30, tzinfo=UTC), self.manager, "import"))
        email = Interaction.objects.get(external_id="i2")
        self.assertEqual((email.kind, email.direction, email.outcome, email.manager),
                         ("email", "in", "", None))
        self.assertEqual(problems(self.files.path("r.csv")), [
            ["4", "Клиент", "zz", "unknown customer; import the customers first"],
            ["5", "Тип", "fax", "unknown kind (call, email, meeting, message or note)"],
            ["5", "Направление", "sideways", "unknown direction (inbound or outbound)"],
            ["5", "Результат", "maybe", "unknown outcome"],
            ["5", "Дата", "yesterday", "not a date"],
            ["5", "Менеджер", "nobody", "unknown user"],
            ["6", "Код", "i1", "repeats row 2"],
        ])

    def test_it_updates_only_the_interactions_that_changed(self):
        run_import("interactions", self.files.text("i.csv", CONTACTS))

        again = run_import("interactions", self.files.text(
            "i.csv", CONTACTS.replace("Asks for an invoice", "Asks for two invoices")))

        self.assertEqual((again.inserted, again.updated, again.unchanged), (0, 1, 1))
        self.assertEqual(Interaction.objects.get(external_id="i2").summary,
                         "Asks for two invoices")
        self.assertEqual(Interaction.objects.count(), 2)

    def test_it_imports_complaints_with_their_sla_and_history(self):
        ComplaintSla.objects.filter(severity="high").update(resolve_within_hours=8)

        result = run_import("complaints", self.files.text("k.csv", COMPLAINTS),
                            user=self.admin, rejects_path=self.files.path("r.csv"))

        self.assertEqual((result.rows, result.inserted, result.rejected), (7, 3, 4))
        late = Complaint.objects.get(external_id="k1")
        self.assertEqual(
            (late.customer, late.order.external_id, late.category, late.severity, late.channel,
             late.status, late.due_at, late.resolved_at),
            (self.c1, "o1", "delivery", "high", "call", "new",
             datetime(2026, 3, 1, 16, tzinfo=UTC), None))
        closed = Complaint.objects.get(external_id="k2")
        self.assertEqual(
            (closed.status, closed.resolved_at, closed.closed_at, closed.resolution,
             closed.due_at),
            ("closed", datetime(2026, 2, 3, tzinfo=UTC), datetime(2026, 2, 3, tzinfo=UTC),
             "Replaced", datetime(2026, 2, 1, tzinfo=UTC) + timedelta(hours=120)))
        self.assertEqual(Complaint.objects.get(external_id="k3").status, "resolved")
        self.assertEqual(
            list(closed.events.values_list("from_status", "to_status", "at", "by", "note")),
            [("", "new", datetime(2026, 2, 1, tzinfo=UTC), self.admin.pk, "import: k.csv"),
             ("new", "closed", datetime(2026, 2, 3, tzinfo=UTC), self.admin.pk,
              "import: k.csv")])
        self.assertFalse(Message.objects.exists())
        self.assertFalse(Notification.objects.exists())
        self.assertEqual(problems(self.files.path("r.csv")), [
            ["5", "order", "o2", "an order of another customer"],
            ["6", "order", "o9", "unknown order"],
            ["6", "resolved", "", "a resolved or closed complaint needs its resolution date"],
            ["7", "resolved", "2026-03-02", "an open complaint has no resolution date: leave "
                                            "it empty or give the status"],
            ["8", "severity", "urgentish", "unknown severity (low, medium, high or critical)"],
            ["8", "resolved", "2026-03-02", "before the complaint was opened"],
        ])

    def test_it_records_a_status_changed_by_a_later_import(self):
        run_import("complaints", self.files.text("k.csv", COMPLAINTS))

        result = run_import("complaints", self.files.text("k.csv", COMPLAINTS.replace(
            "Late parcel,,2026-03-01 08:00,,", "Late parcel,resolved,2026-03-01 08:00,"
                                                "2026-03-02,Courier paid")))

        self.assertEqual((result.inserted, result.updated, result.unchanged), (0, 1, 2))
        late = Complaint.objects.get(external_id="k1")
        self.assertEqual((late.status, late.resolution), ("resolved", "Courier paid"))
        self.assertEqual(list(late.events.values_list("from_status", "to_status", "at")),
                         [("", "new", datetime(2026, 3, 1, 8, tzinfo=UTC)),
                          ("new", "resolved", NOW)])

    def test_it_imports_from_the_command_line_and_offers_both_kinds_on_the_upload_page(self):
        status, out, _err = run_command("complaints", str(self.files.text("k.csv", COMPLAINTS)),
                                        "--rejects", str(self.files.path("r.csv")),
                                        "--no-progress")

        self.assertEqual(status, 0)
        self.assertIn("7 rows read, 3 inserted, 0 updated, 0 unchanged, 4 rejected", out)
        self.login(self.admin)
        r = self.client.get("/import/")
        self.assertContains(r, '<option value="interactions">Interactions</option>')
        self.assertContains(r, '<option value="complaints">Complaints</option>')
