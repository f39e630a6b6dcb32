"""A person known to the shop in every way Tenure can know them, for the privacy tests.

Zoltan is imported from a file (and once more with a bad row, so a rejects file names
him), edited on his page, merged with an old duplicate, buys and returns, is called,
complains, answers a survey, and gets emails that the file mail backend writes under
var/mail. Olha, another customer, is known the same way and must come out untouched.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.admin.models import CHANGE
from django.contrib.admin.models import LogEntry as AdminLogEntry
from django.core.mail import get_connection
from django.db.models import Sum
from django.test import Client
from django.utils import timezone

from tenure.crm.catalog.models import Product
from tenure.crm.customers.merging import merge_customers
from tenure.crm.customers.models import Customer
from tenure.crm.engagement.models import Activity, Complaint, Interaction
from tenure.crm.engagement.reminding import queue_due_reminders
from tenure.crm.feedback.answering import add_comment, record_answer
from tenure.crm.feedback.models import Survey
from tenure.crm.feedback.sending import send_survey_now
from tenure.crm.imports.running import run_import
from tenure.crm.jobs.models import WorkerProcess
from tenure.crm.messaging.sending import send_due
from tenure.crm.sales.models import Order, OrderLine, Return

ZOLTAN = {"name": "Zoltan Quimby-Vasquez", "email": "zoltan.qv@example.net",
          "phone": "+380501112233", "external_id": "C-7781"}
# His old duplicate, merged into him: its identifiers are his too.
OLD_ZOLTAN = {"name": "Zoltan Q. Vasquez", "email": "zq.old@example.net",
              "phone": "+380501119988", "external_id": "OLD-4417"}
OLHA = {"name": "Olha Stepanenko", "email": "olha.s@example.org", "phone": "+380671234567",
        "external_id": "C-1002"}

CUSTOMERS_FILE = (
    "external_id,name,email,phone,city,birth_date,notes\n"
    "C-7781,Zoltan Quimby,zoltan.qv@example.net,+380 50 111 22 33,Lviv,1981-04-12,"
    "\"Prefers calls,\nafter 6 pm\"\n"
    "C-1002,Olha Stepanenko,olha.s@example.org,+380671234567,Kyiv,1990-01-02,\n"
)
# A second file whose row for Zoltan is rejected: the rejects file repeats it.
FIX_FILE = (
    "external_id,name,email,phone\n"
    "C-7781,Zoltan Quimby-Vasquez,not-an-address,050 111 22 33\n"
    "C-1002,Olha Stepanenko,also-not-an-address,+380671234567\n"
)


@dataclass
class Shop:
    zoltan: Customer
    olha: Customer


def upload(name: str, content: str) -> Path:
    """Write ``content`` where the import page keeps an uploaded file."""
    path = Path(settings.VAR_DIR) / "imports" / "uploads" / str(uuid.uuid4()) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    return path


def build(admin, manager) -> Shop:
    """Make Zoltan and Olha known in every way; return them."""
    run_import("customers", upload("customers.csv", CUSTOMERS_FILE), source="shop")
    run_import("customers", upload("fix.csv", FIX_FILE), source="shop")
    zoltan = Customer.objects.get(external_id="C-7781")
    olha = Customer.objects.get(external_id="C-1002")
    # Staff get emails about their customers too (reminders): copies that name them.
    manager.email = "bob@shop.example"
    manager.save()
    for customer in (zoltan, olha):
        customer.manager = manager
        customer.save()
    olha.notes = f"Came with her friend {ZOLTAN['name']} ({ZOLTAN['email']})"
    olha.save()
    _edit_on_the_page(zoltan, manager)
    zoltan.refresh_from_db()
    old = Customer.objects.create(**OLD_ZOLTAN, notes="Old card of Zoltan Q. Vasquez")
    merge_customers(zoltan, old, by=admin)
    product = Product.objects.create(sku="TEA-1", name="Green tea")
    for customer in (zoltan, olha):
        _live(customer, manager, admin, product)
    AdminLogEntry.objects.log_actions(admin.pk, [zoltan], CHANGE, change_message="[]")
    _search_and_export(admin, ZOLTAN["name"])
    _deliver_to_files()
    return Shop(zoltan, olha)


def _edit_on_the_page(customer: Customer, manager) -> None:
    client = Client()
    client.force_login(manager)
    client.get(f"/customers/{customer.pk}/")
    response = client.post(f"/customers/{customer.pk}/edit/", {
        "name": ZOLTAN["name"], "email": ZOLTAN["email"], "phone": ZOLTAN["phone"],
        "city": "Lviv", "gender": "m", "birth_date": "1981-04-12",
        "notes": "Prefers calls after 6 pm; wife Marta",
        # Every field, as a browser sends the form (a sales manager has no manager field).
        "acquisition_channel": "", "acquired_on": "", "language": "", "time_zone": "",
    })
    assert response.status_code == 302, response.content


def _search_and_export(user, text: str) -> None:
    """Export the customer list searched for ``text``: the audit log keeps the search."""
    client = Client()
    client.force_login(user)
    response = client.get("/customers/", {"q": text, "format": "csv"})
    assert response.status_code == 200
    b"".join(response.streaming_content)


def _live(customer: Customer, manager, admin, product: Product) -> None:
    """Give ``customer`` orders, a return, consent, contact, a complaint and a survey."""
    now = timezone.now()
    customer.set_consent("email", True, source="web_form", by=manager)
    for number in range(2):
        order = Order.objects.create(
            customer=customer, external_id=f"ORD-{customer.pk}-{number}",
            ordered_at=now - timedelta(days=30 - number), total=Decimal("120.00"))
        OrderLine.objects.create(order=order, line_no=1, product=product, quantity=2,
                                 price=Decimal("60.00"))
    Return.objects.create(order=order, external_id=f"RET-{customer.pk}", amount=20,
                          returned_at=now - timedelta(days=2), reason="Too strong")
    Interaction.objects.create(customer=customer, kind="call", channel=customer.phone,
                               summary=f"{customer.name} asked about delivery", manager=manager)
    Activity.objects.create(customer=customer, subject=f"Call {customer.name}",
                            notes=f"Ask {customer.name} about the tea", assignee=manager,
                            due_at=now + timedelta(minutes=10), remind_minutes_before=30)
    queue_due_reminders()
    complaint = Complaint.objects.register(
        customer, category="delivery", description=f"{customer.name}: the parcel was late",
        assignee=manager, by=admin)
    complaint.set_status("resolved", by=manager, note=f"Refunded {customer.name} by phone")
    survey, _ = Survey.objects.get_or_create(name="After purchase", kind="nps",
                                             trigger="purchase")
    invitation = send_survey_now(survey, customer, by=manager)
    record_answer(invitation, 3)
    add_comment(invitation, f"I am {customer.name} and the parcel was late")


def _deliver_to_files() -> None:
    """Send the outbox through the file mail backend, as the demo does, into var/mail."""
    mail = Path(settings.VAR_DIR) / "mail"
    mail.mkdir(parents=True, exist_ok=True)
    worker = WorkerProcess.start()
    backend = get_connection("django.core.mail.backends.filebased.EmailBackend",
                             file_path=str(mail))
    while send_due(worker, backend=backend):
        pass


def figures() -> tuple[int, Decimal]:
    """Return the shop's order count and revenue net of returns."""
    net = Order.objects.with_returns().aggregate(total=Sum("net"))["total"]
    return Order.objects.count(), net


def identifiers() -> list[str]:
    """Return every value that names Zoltan (the spaced phone as his files wrote it)."""
    return ["Zoltan Quimby", ZOLTAN["email"], ZOLTAN["phone"], ZOLTAN["external_id"],
            "111 22 33", OLD_ZOLTAN["name"], OLD_ZOLTAN["email"], OLD_ZOLTAN["phone"]]
