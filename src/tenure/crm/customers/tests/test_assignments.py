"""The history of managers: every writer of ``Customer.manager`` keeps it, in bulk where
it writes in bulk, and only those who may hand customers over change it."""

from __future__ import annotations

import datetime as dt
import importlib

import time_machine
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from tenure.crm.customers.models import Customer, CustomerAssignment
from tenure.crm.testing import TenureTestCase

UTC = dt.UTC
T1 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
T2 = dt.datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
BULK = "/customers/bulk/"


def history(customer) -> list[tuple]:
    """Return the customer's assignments: (manager, started, ended, assigned by)."""
    return list(CustomerAssignment.objects.filter(customer_id=customer.pk).order_by("pk")
                .values_list("manager__username", "started_at", "ended_at",
                             "assigned_by__username"))


class AssignmentHistoryTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        with time_machine.travel(T1, tick=False):
            cls.olena = Customer.objects.create(name="Olena", email="olena@example.org",
                                                manager=cls.manager)
            cls.petro = Customer.objects.create(name="Petro", email="petro@example.org")

    # -- the model ------------------------------------------------------------------------

    def test_a_customer_created_with_a_manager_has_had_them_since_they_began(self):
        self.assertEqual(history(self.olena), [("bob", T1, None, None)])
        self.assertEqual(history(self.petro), [])
        earlier = Customer.objects.create(name="Ivan", acquired_on=dt.date(2025, 6, 1),
                                          manager=self.manager)
        # The local midnight of the day they were acquired (UTC in the tests).
        self.assertEqual(history(earlier)[0][1], dt.datetime(2025, 6, 1, tzinfo=UTC))

    def test_a_change_ends_the_running_assignment_and_starts_the_next(self):
        olena = Customer.objects.get(pk=self.olena.pk)
        with time_machine.travel(T2, tick=False):
            olena.manager = self.other_manager
            olena.save(assigned_by=self.admin)
        olena.name = "Olena K."
        olena.save()  # the manager did not change: nothing recorded
        self.assertEqual(history(olena), [("bob", T1, T2, None), ("carol", T2, None, "alice")])
        with time_machine.travel(T2 + dt.timedelta(days=1), tick=False):
            olena.manager = None
            olena.save()
        self.assertEqual(history(olena)[-1][2], T2 + dt.timedelta(days=1))
        self.assertFalse(CustomerAssignment.objects.current().filter(customer=olena).exists())

    def test_a_customer_has_one_running_assignment_at_most(self):
        with self.assertRaises(IntegrityError), transaction.atomic():
            CustomerAssignment.objects.create(customer=self.olena, manager=self.other_manager)

    def test_record_writes_many_customers_in_a_constant_number_of_queries(self):
        many = Customer.objects.bulk_create([Customer(name=f"C{n}") for n in range(40)])
        with CaptureQueriesContext(connection) as few:
            CustomerAssignment.objects.record({c.pk: self.manager.pk for c in many[:4]})
        with CaptureQueriesContext(connection) as more:
            changed = CustomerAssignment.objects.record(
                {c.pk: self.other_manager.pk for c in many}, at=T2, by=self.admin)
        self.assertEqual(changed, 40)
        self.assertEqual(len(more), len(few) + 1)  # the UPDATE ending Bob's four
        self.assertEqual(CustomerAssignment.objects.current().filter(
            manager=self.other_manager, started_at=T2).count(), 40)
        self.assertEqual(CustomerAssignment.objects.filter(
            manager=self.manager, ended_at=T2).count(), 4)
        # Again: nobody changes, nothing is written.
        self.assertEqual(CustomerAssignment.objects.record(
            {c.pk: self.other_manager.pk for c in many}), 0)

    def test_deleting_a_manager_leaves_their_customers_with_nobody_and_no_history(self):
        self.manager.delete()
        self.assertIsNone(Customer.objects.get(pk=self.olena.pk).manager)
        self.assertEqual(history(self.olena), [])

    def test_the_migration_starts_each_managed_customers_history_when_they_began(self):
        migration = importlib.import_module(
            "tenure.crm.customers.migrations.0011_assignments")
        CustomerAssignment.objects.all().delete()
        Customer.objects.filter(pk=self.petro.pk).update(acquired_on=dt.date(2024, 2, 3),
                                                         manager=self.other_manager)
        migration.start_history(apps, None)
        self.assertEqual(history(self.olena), [("bob", T1, None, None)])
        self.assertEqual(history(self.petro),
                         [("carol", dt.datetime(2024, 2, 3, tzinfo=UTC), None, None)])

    # -- the edit form, New customer, the admin -------------------------------------------

    def edit(self, user, manager):
        self.login(user)
        return self.client.post(f"/customers/{self.olena.pk}/edit/", {
            "name": "Olena", "email": "olena@example.org", "phone": "", "city": "",
            "gender": "", "birth_date": "", "acquisition_channel": "", "acquired_on": "",
            "manager": manager, "language": "", "time_zone": "", "notes": ""})

    def test_the_edit_form_records_who_reassigned_the_customer(self):
        with time_machine.travel(T2, tick=False):
            r = self.edit(self.marketer, self.other_manager.pk)
        self.assertEqual(r.status_code, 302)
        self.assertEqual(history(self.olena),
                         [("bob", T1, T2, None), ("carol", T2, None, "mary")])

    def test_a_sales_managers_edit_changes_no_history(self):
        r = self.edit(self.manager, self.other_manager.pk)  # the field is not theirs
        self.assertEqual(r.status_code, 302)
        self.assertEqual(history(self.olena), [("bob", T1, None, None)])
        self.assertEqual(self.edit(self.analyst, self.other_manager.pk).status_code, 403)
        self.assertEqual(history(self.olena), [("bob", T1, None, None)])

    def new(self, user, manager=""):
        self.login(user)
        return self.client.post("/customers/new/", {
            "name": "Oksana", "email": "oksana@example.org", "phone": "", "city": "",
            "gender": "", "birth_date": "", "acquisition_channel": "", "acquired_on": "",
            "manager": manager, "language": "", "time_zone": "", "notes": ""})

    def test_new_customer_starts_the_history_of_whom_they_are_given_to(self):
        with time_machine.travel(T2, tick=False):
            self.new(self.manager)
        self.assertEqual(history(Customer.objects.get(name="Oksana")),
                         [("bob", T2, None, "bob")])
        self.new(self.support, self.manager.pk)
        self.assertEqual(Customer.objects.filter(name="Oksana").count(), 1)

    def test_new_customer_given_to_another_manager_by_the_administrator(self):
        with time_machine.travel(T2, tick=False):
            self.new(self.admin, self.other_manager.pk)
        self.assertEqual(history(Customer.objects.get(name="Oksana")),
                         [("carol", T2, None, "alice")])

    def test_the_admin_records_who_reassigned_the_customer(self):
        self.login(self.admin)
        page = self.client.get(f"/admin/customers/customer/{self.olena.pk}/change/")
        form = page.context["adminform"].form
        data = {name: form[name].value() or "" for name in form.fields}
        data.update({"manager": self.other_manager.pk, "tags": [],
                     "consentchange_set-TOTAL_FORMS": 0, "consentchange_set-INITIAL_FORMS": 0,
                     "consent_changes-TOTAL_FORMS": 0, "consent_changes-INITIAL_FORMS": 0,
                     "assignments-TOTAL_FORMS": 0, "assignments-INITIAL_FORMS": 0})
        data = {k: v for k, v in data.items() if v is not None}
        r = self.client.post(f"/admin/customers/customer/{self.olena.pk}/change/", data)
        self.assertEqual(r.status_code, 302, getattr(r, "context", None) and
                         r.context["adminform"].form.errors)
        self.assertEqual([(m, by) for m, _s, _e, by in history(self.olena)],
                         [("bob", None), ("carol", "alice")])
        # The history is shown, read only.
        page = self.client.get(f"/admin/customers/customer/{self.olena.pk}/change/")
        self.assertContains(page, "Assignments to managers", status_code=200)

    # -- bulk "assign to a manager" -------------------------------------------------------

    def test_bulk_assignment_records_every_change_at_once(self):
        others = Customer.objects.bulk_create([Customer(name=f"C{n}") for n in range(5)])
        self.login(self.admin)
        with time_machine.travel(T2, tick=False):
            self.client.post(BULK, {"action": "assign", "confirm": "1", "next": "/customers/",
                                    "ids": [c.pk for c in [self.olena, *others]],
                                    "manager": self.other_manager.pk})
        self.assertEqual(history(self.olena),
                         [("bob", T1, T2, None), ("carol", T2, None, "alice")])
        self.assertEqual(CustomerAssignment.objects.current().filter(
            manager=self.other_manager, assigned_by=self.admin).count(), 6)
        with time_machine.travel(T2 + dt.timedelta(hours=1), tick=False):
            self.client.post(BULK, {"action": "assign", "confirm": "1", "next": "/customers/",
                                    "ids": [self.olena.pk], "manager": ""})
        self.assertEqual(history(self.olena)[-1][2], T2 + dt.timedelta(hours=1))
        self.assertFalse(CustomerAssignment.objects.current().filter(customer=self.olena)
                         .exists())

    def test_bulk_assignment_refused_to_a_sales_manager_writes_no_history(self):
        self.login(self.manager)
        r = self.client.post(BULK, {"action": "assign", "confirm": "1", "ids": [self.olena.pk],
                                    "manager": self.other_manager.pk})
        self.assertEqual(r.status_code, 403)
        self.assertEqual(history(self.olena), [("bob", T1, None, None)])

    def test_bulk_assignment_writes_the_history_in_a_constant_number_of_queries(self):
        def assign(customers, manager):
            self.login(self.admin)
            with CaptureQueriesContext(connection) as queries:
                self.client.post(BULK, {"action": "assign", "confirm": "1",
                                        "ids": [c.pk for c in customers], "manager": manager})
            return [q["sql"] for q in queries if "customerassignment" in q["sql"].lower()]

        many = Customer.objects.bulk_create([Customer(name=f"C{n}") for n in range(30)])
        self.assertEqual(len(assign(many[:3], self.manager.pk)),
                         len(assign(many, self.other_manager.pk)) - 1)  # + ending Bob's
