"""The home page: each role sees its own start, and only what it may see."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from tenure.crm.customers.models import Customer
from tenure.crm.engagement.models import Activity
from tenure.crm.insights.models import CustomerSnapshot
from tenure.crm.jobs.models import WorkerProcess
from tenure.crm.testing import TenureTestCase


class HomeTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        now, today = timezone.now(), timezone.localdate()
        cls.olena = Customer.objects.create(name="Olena", manager=cls.manager)
        cls.ivan = Customer.objects.create(name="Ivan", manager=cls.other_manager)
        Customer.objects.create(name="Nobody's")
        Activity.objects.create(customer=cls.olena, subject="Call Olena about the order",
                                due_at=now - timedelta(hours=1), assignee=cls.manager,
                                created_by=cls.manager)
        Activity.objects.create(customer=cls.ivan, subject="Call Ivan", assignee=cls.other_manager,
                                due_at=now + timedelta(hours=1), created_by=cls.other_manager)
        for customer in (cls.olena, cls.ivan):
            CustomerSnapshot.objects.create(
                customer=customer, taken_on=today, clv=Decimal("500"), churn_risk=0.9,
                p_alive=0.2, segment="at_risk", last_purchase=today - timedelta(days=300))

    def test_a_sales_manager_starts_with_their_agenda_and_their_customers_at_risk(self):
        self.login(self.manager)

        page = self.client.get("/")

        self.assertContains(page, "Call Olena about the order")
        self.assertNotContains(page, "Call Ivan")
        self.assertContains(page, "Your customers")
        self.assertContains(page, f'<a href="/customers/{self.olena.pk}/">Olena</a>',
                            html=False)
        self.assertNotContains(page, f"/customers/{self.ivan.pk}/")
        self.assertNotContains(page, "Needs attention")  # the shop's state is not theirs

    def test_an_administrator_sees_what_needs_attention(self):
        self.login(self.admin)

        page = self.client.get("/")

        self.assertContains(page, "Needs attention")
        self.assertContains(
            page, '<b>1</b> <a href="/customers/">customers without a manager</a>', html=False)
        self.assertContains(page, "The worker is not running")
        self.assertContains(page, "The insights have never been computed")
        WorkerProcess.start()
        self.assertNotContains(self.client.get("/"), "The worker is not running")

    def test_a_user_without_a_role_is_told_what_to_do(self):
        self.login(self.nobody)
        self.assertContains(self.client.get("/"), "Your account has no role yet")

    def test_it_speaks_russian(self):
        self.login(self.manager)
        self.client.cookies["django_language"] = "ru"
        self.assertContains(self.client.get("/"), "Ваши клиенты")
