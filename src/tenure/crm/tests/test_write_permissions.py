"""Every role through every write path: who may change what, both sides, from one table.

Each row is a write the web app offers (a form, a button, an import kind through the
upload page): the request that makes it, how to tell it was made, and the personas
who may make it. Every persona makes the request inside a transaction rolled back
afterwards; the allowed ones must succeed and write, the others must be refused
(403, or 404 for another manager's customer) and write nothing. A new write path is
one more row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import time_machine
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from tenure.crm.catalog.models import Product
from tenure.crm.customers.merging import merge_customers
from tenure.crm.customers.models import Customer
from tenure.crm.engagement.models import Activity, CalendarFeed, Complaint, Interaction
from tenure.crm.feedback.models import Invitation, Survey, SurveyKind, SurveyTrigger
from tenure.crm.insights.models import InsightsRun
from tenure.crm.messaging.models import Notification
from tenure.crm.sales.models import Order, OrderLine
from tenure.crm.testing import TenureTestCase, make_user

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PERSONAS = ("admin", "manager", "other_manager", "marketer", "support", "analyst", "nobody")
EVERYONE = set(PERSONAS)
# Who works a sales manager's customer: Bob himself and the roles that see every customer.
WORKERS = {"admin", "manager", "support"}
EDITORS = {"admin", "manager", "marketer", "support"}
ADMIN = {"admin"}


@dataclass
class WritePath:
    name: str
    allowed: set[str]
    send: Callable  # (test, persona) -> response
    written: Callable  # (test, persona) -> bool


def post(url: str, data: dict | None = None):
    return lambda test, persona: test.client.post(url() if callable(url) else url, data or {})


def profile(test) -> dict:
    return {"name": "Renamed", "email": "olena@example.org", "phone": "+380441234567",
            "birth_date": "", "gender": "", "city": "", "acquisition_channel": "",
            "acquired_on": "", "manager": test.manager.pk, "language": "",
            "time_zone": "", "notes": ""}


def upload(kind: str, content: str, **fields):
    """Return a sender that uploads a file of ``kind`` and runs it with its own mapping."""
    def send(test, persona):
        r = test.client.post("/import/", {
            "kind": kind, "source": "import", **fields,
            "file": SimpleUploadedFile(f"{kind}.csv", content.encode(), "text/csv")})
        if r.status_code != 302:
            return r
        headers = content.splitlines()[0].split(",")
        return test.client.post(r["Location"], {f"col{i}": h for i, h in enumerate(headers)})
    return send


CUSTOMERS_FILE = "external_id,name,manager\nc-olena,Olena Renamed,carol\n"
CONSENT_FILE = "external_id,name,consent_email\nc-new,Nadia,yes\n"
PRODUCTS_FILE = "sku,name\nS-NEW,Coffee\n"
ORDERS_FILE = "order_id,customer,date,amount\nO-NEW,c-olena,2026-03-01,10\n"
LINES_FILE = ("order_id,customer,date,product,quantity,price\n"
              "L-NEW,c-olena,2026-03-01,S1,1,10\n")
INTERACTIONS_FILE = "external_id,customer,kind,occurred_at\ni-new,c-olena,call,2026-03-01\n"
COMPLAINTS_FILE = ("external_id,customer,category,opened_at\n"
                   "k-new,c-olena,delivery,2026-03-01\n")


def customer(test) -> Customer:
    return Customer.objects.get(pk=test.olena.pk)


PATHS = [
    WritePath(
        "edit a customer", EDITORS,
        lambda test, p: test.client.post(f"/customers/{test.olena.pk}/edit/", profile(test)),
        lambda test, p: customer(test).name == "Renamed"),
    WritePath(
        "record consent", EDITORS,
        lambda test, p: test.client.post(f"/customers/{test.olena.pk}/consent/",
                                         {"email": "on", "source": "phone_call"}),
        lambda test, p: customer(test).consent_email),
    WritePath(
        "merge two customers", ADMIN,
        lambda test, p: test.client.post(f"/customers/duplicates/{test.olena.pk}/{test.twin.pk}/",
                                         {"keep": test.olena.pk}),
        lambda test, p: not Customer.objects.filter(pk=test.twin.pk).exists()),
    WritePath(
        "undo a merge", ADMIN,
        lambda test, p: test.client.post(f"/customers/duplicates/history/{test.merge.pk}/undo/"),
        lambda test, p: Customer.objects.filter(pk=test.merge.removed_id).exists()),
    WritePath(
        "log an interaction", WORKERS,
        lambda test, p: test.client.post(f"/engagement/customers/{test.olena.pk}/log/", {
            "kind": "call", "direction": "out", "outcome": "", "summary": "Talked",
            "occurred_at": "2026-03-02T08:30", "channel": "", "manager": ""}),
        lambda test, p: Interaction.objects.filter(summary="Talked").exists()),
    WritePath(
        "plan an activity", WORKERS,
        lambda test, p: test.client.post(f"/engagement/customers/{test.olena.pk}/plan/", {
            "kind": "call", "subject": "Planned", "due_at": "2026-03-03T10:00",
            "duration_minutes": 30, "assignee": test.manager.pk, "notes": ""}),
        lambda test, p: Activity.objects.filter(subject="Planned").exists()),
    WritePath(
        "complete an activity", WORKERS,
        lambda test, p: test.client.post(f"/engagement/activities/{test.call.pk}/",
                                         {"action": "complete", "outcome": "Done"}),
        lambda test, p: Activity.objects.get(pk=test.call.pk).status == "done"),
    WritePath(
        "register a complaint", WORKERS,
        lambda test, p: test.client.post(f"/engagement/customers/{test.olena.pk}/complaint/", {
            "order": "", "category": "product", "severity": "low", "channel": "call",
            "description": "Broken", "assignee": test.manager.pk}),
        lambda test, p: Complaint.objects.filter(description="Broken").exists()),
    WritePath(
        "move a complaint on", WORKERS,
        lambda test, p: test.client.post(f"/engagement/complaints/{test.complaint.pk}/",
                                         {"action": "status", "status": "in_progress"}),
        lambda test, p: Complaint.objects.get(pk=test.complaint.pk).status == "in_progress"),
    WritePath(
        "reassign a complaint", WORKERS,
        lambda test, p: test.client.post(f"/engagement/complaints/{test.complaint.pk}/",
                                         {"action": "assign", "assignee": test.support.pk}),
        lambda test, p: Complaint.objects.get(pk=test.complaint.pk).assignee == test.support),
    WritePath(
        "create a survey", {"admin", "marketer"},
        post("/feedback/new/", {
            "name": "New survey", "kind": "nps", "question": "", "trigger": "purchase",
            "stage": "", "delay_days": 3, "min_interval_days": 90, "valid_days": 30,
            "is_active": "on"}),
        lambda test, p: Survey.objects.filter(name="New survey").exists()),
    WritePath(
        "change a survey", {"admin", "marketer"},
        lambda test, p: test.client.post(f"/feedback/{test.survey.pk}/", {
            "name": "Renamed survey", "kind": "nps", "question": "", "trigger": "purchase",
            "stage": "", "delay_days": 3, "min_interval_days": 90, "valid_days": 30,
            "is_active": "on"}),
        lambda test, p: Survey.objects.get(pk=test.survey.pk).name == "Renamed survey"),
    WritePath(
        "send a survey", WORKERS,
        lambda test, p: test.client.post(f"/feedback/customers/{test.olena.pk}/send/",
                                         {"survey": test.survey.pk}),
        lambda test, p: Invitation.objects.filter(customer=test.olena).exists()),
    WritePath(
        "refresh the insights", ADMIN,
        post("/insights/refresh/"),
        lambda test, p: InsightsRun.objects.exists()),
    WritePath(
        "mark one's notifications read", EVERYONE,
        post("/notifications/read/"),
        lambda test, p: not Notification.objects.filter(user=getattr(test, p),
                                                        read_at__isnull=True).exists()),
    WritePath(
        "switch one's language", EVERYONE,
        post("/accounts/language/", {"language": "uk", "next": "/"}),
        lambda test, p: type(getattr(test, p)).objects.get(pk=getattr(test, p).pk).language
        == "uk"),
    WritePath(
        "change one's calendar address", EVERYONE - {"nobody"},
        post("/engagement/agenda/calendar-address/"),
        lambda test, p: CalendarFeed.objects.get(user=getattr(test, p)).token != "old-token"),
    WritePath(
        "import customers", ADMIN, upload("customers", CUSTOMERS_FILE),
        lambda test, p: customer(test).name == "Olena Renamed"),
    WritePath(
        "import customers granting consent", ADMIN,
        upload("customers", CONSENT_FILE, consent_source="written_form",
               consent_wording="Email me."),
        lambda test, p: Customer.objects.filter(external_id="c-new", consent_email=True).exists()),
    WritePath(
        "import products", ADMIN, upload("products", PRODUCTS_FILE),
        lambda test, p: Product.objects.filter(sku="S-NEW").exists()),
    WritePath(
        "import orders", ADMIN, upload("orders", ORDERS_FILE),
        lambda test, p: Order.objects.filter(external_id="O-NEW").exists()),
    WritePath(
        "import order lines", ADMIN, upload("order-lines", LINES_FILE),
        lambda test, p: OrderLine.objects.filter(order__external_id="L-NEW").exists()),
    WritePath(
        "import interactions", ADMIN, upload("interactions", INTERACTIONS_FILE),
        lambda test, p: Interaction.objects.filter(external_id="i-new").exists()),
    WritePath(
        "import complaints", ADMIN, upload("complaints", COMPLAINTS_FILE),
        lambda test, p: Complaint.objects.filter(external_id="k-new").exists()),
]


@time_machine.travel(NOW, tick=False)
class WritePermissionsTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # Bob's customer, known to the imports as c-olena of the source "import".
        cls.olena = Customer.objects.create(
            name="Olena", email="olena@example.org", phone="+380441234567",
            manager=cls.manager, source="import", external_id="c-olena")
        cls.twin = Customer.objects.create(name="Olena K.", email="olena@example.org",
                                           manager=cls.manager)
        gone = Customer.objects.create(name="Merged", email="m@example.org",
                                       manager=cls.manager)
        kept = Customer.objects.create(name="Kept", email="m@example.org", manager=cls.manager)
        cls.merge = merge_customers(kept, gone, by=cls.admin)
        Customer.objects.filter(pk=cls.olena.pk).update(consent_email=False)
        cls.call = Activity.objects.create(customer=cls.olena, subject="Call Olena",
                                           assignee=cls.manager, due_at=NOW + timedelta(hours=2))
        cls.complaint = Complaint.objects.register(
            cls.olena, category="delivery", severity="low", description="Late",
            by=cls.manager, assignee=cls.manager)
        cls.survey = Survey.objects.create(
            name="After purchase", kind=SurveyKind.NPS, trigger=SurveyTrigger.AFTER_PURCHASE,
            delay_days=3, min_interval_days=90, valid_days=30)
        Product.objects.create(sku="S1", name="Tea")
        Order.objects.create(external_id="O-1", customer=cls.olena, total=Decimal("5.00"),
                             ordered_at=NOW - timedelta(days=30))
        for name in PERSONAS:
            user = getattr(cls, name)
            Notification.objects.create(user=user, text="Hello")
            CalendarFeed.objects.create(user=user, token=f"token-{name}")

    def attempt(self, path: WritePath, persona: str) -> tuple[int, bool]:
        """Make ``path``'s request as ``persona``; return the status and whether it wrote."""
        with transaction.atomic():
            # The attempt needs consent to send a survey; the consent path needs it absent.
            if path.name == "send a survey":
                Customer.objects.filter(pk=self.olena.pk).update(consent_email=True)
            CalendarFeed.objects.filter(user=getattr(self, persona)).update(token="old-token")
            self.client.force_login(getattr(self, persona))
            response = path.send(self, persona)
            written = path.written(self, persona)
            transaction.set_rollback(True)
        return response.status_code, written

    def test_every_role_may_make_exactly_its_writes(self):
        for path in PATHS:
            for persona in PERSONAS:
                with self.subTest(path=path.name, persona=persona):
                    status, written = self.attempt(path, persona)
                    if persona in path.allowed:
                        self.assertIn(status, (200, 302))
                        self.assertTrue(written, "allowed, but nothing was written")
                    else:
                        self.assertIn(status, (403, 404))
                        self.assertFalse(written, "refused, yet written")

    def test_a_merge_needs_the_rights_of_all_it_writes(self):
        # Deleting customers alone was once enough: a merge also changes the kept one.
        deleter = make_user("dora")
        deleter.user_permissions.add(*Permission.objects.filter(
            content_type__app_label="customers",
            codename__in=["view_customer", "delete_customer"]))
        self.client.force_login(deleter)
        url = f"/customers/duplicates/{self.olena.pk}/{self.twin.pk}/"
        self.assertEqual(self.client.post(url, {"keep": self.olena.pk}).status_code, 403)
        undo = f"/customers/duplicates/history/{self.merge.pk}/undo/"
        self.assertEqual(self.client.post(undo).status_code, 403)
        self.assertTrue(Customer.objects.filter(pk=self.twin.pk).exists())
        self.assertFalse(Customer.objects.filter(pk=self.merge.removed_id).exists())
