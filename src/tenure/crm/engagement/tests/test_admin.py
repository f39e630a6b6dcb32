from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine

from tenure.crm.customers.models import Customer
from tenure.crm.engagement.models import Activity, Complaint, ComplaintSla, Interaction
from tenure.crm.testing import TenureTestCase

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@time_machine.travel(NOW, tick=False)
class EngagementAdminTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        ann = Customer.objects.create(name="Ann")
        Interaction.objects.create(customer=ann, kind="call")
        Activity.objects.create(customer=ann, subject="Call", assignee=cls.manager, due_at=NOW)
        cls.complaint = Complaint.objects.register(ann, category="other", description="x")

    def test_it_lists_every_engagement_model(self):
        self.login(self.admin)
        for model in ("interaction", "activity", "complaint", "complaintsla", "calendarfeed"):
            with self.subTest(model):
                self.assertEqual(self.client.get(f"/admin/engagement/{model}/").status_code, 200)
        r = self.client.get(f"/admin/engagement/complaint/{self.complaint.pk}/change/")
        self.assertContains(r, "Complaint changes")

    def test_it_lets_an_administrator_change_the_sla_hours(self):
        sla = ComplaintSla.objects.get(severity="high")
        self.login(self.admin)

        r = self.client.post(f"/admin/engagement/complaintsla/{sla.pk}/change/",
                             {"severity": "high", "resolve_within_hours": 6})

        self.assertRedirects(r, "/admin/engagement/complaintsla/")
        complaint = Complaint.objects.register(Customer.objects.get(), category="delivery",
                                               description="Lost", severity="high")
        self.assertEqual(complaint.due_at, NOW + timedelta(hours=6))

    def test_it_keeps_other_roles_out(self):
        self.login(self.manager)
        self.assertNotEqual(self.client.get("/admin/engagement/complaintsla/").status_code, 200)
