from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import time_machine
from django.urls import reverse

from tenure.crm.customers.models import Customer
from tenure.crm.engagement.models import Complaint
from tenure.crm.sales.models import Order
from tenure.crm.testing import TenureTestCase

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
PERIOD = "?since=2026-01-01&until=2026-06-30"


def at(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


@time_machine.travel(NOW, tick=False)
class ComplaintReportTestCase(TenureTestCase):
    """Seven complaints, six of them opened in the first half of 2026.

    #  customer category severity  opened  resolved     hours  SLA       window ends  bought
    1  c1       delivery high      Jan 10  Jan 10 10:00 10     ok        Apr 10       Feb 1
    2  c2       product  medium    Feb 1   Feb 5        96     late      May 6        no: Feb 4 is
                                                                        before, Feb 20 cancelled,
                                                                        Jun 1 after
    3  c3       delivery low       Mar 1   -                   overdue   May 30       Mar 15
    4  c4       service  critical  Mar 10  -                   overdue   Jun 8        no orders
    5  c1       billing  medium    Jun 1   Jun 2 02:00  26     ok        Aug 31: not counted
    6  c5       product  low       Apr 1   -                   overdue   Jun 30 0:00  Jun 30 0:00
    -  c1       other    low       2025-12-20: outside the period

    Resolution: 3 resolved, median 26 h, mean (10 + 96 + 26) / 3 = 44 h.
    Breaches: 2, 3, 4, 6: 4 of 6. Bought again: resolved 1 of 2, unresolved 2 of 3.
    """

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        c1, c2, c3, c5 = (Customer.objects.create(name=n, manager=cls.manager)
                          for n in ("c1", "c2", "c3", "c5"))
        c4 = Customer.objects.create(name="c4", manager=cls.other_manager)
        for customer, when, status in [(c1, at(2, 1), "completed"), (c2, at(2, 4), "completed"),
                                       (c2, at(2, 20), "cancelled"), (c2, at(6, 1), "paid"),
                                       (c3, at(3, 15), "completed"), (c5, at(6, 30), "paid")]:
            Order.objects.create(customer=customer, external_id=f"{customer}-{when:%m%d}",
                                 ordered_at=when, status=status, total=Decimal("10"))
        cases = [(c1, "delivery", "high", at(1, 10), at(1, 10, 10)),
                 (c2, "product", "medium", at(2, 1), at(2, 5)),
                 (c3, "delivery", "low", at(3, 1), None),
                 (c4, "service", "critical", at(3, 10), None),
                 (c1, "billing", "medium", at(6, 1), at(6, 2, 2)),
                 (c5, "product", "low", at(4, 1), None),
                 (c1, "other", "low", datetime(2025, 12, 20, tzinfo=UTC), None)]
        for customer, category, severity, opened, resolved in cases:
            complaint = Complaint.objects.register(customer, category=category,
                                                   severity=severity, description="x",
                                                   opened_at=opened)
            if resolved:
                complaint.set_status("resolved", note="Fixed", at=resolved)

    def report(self, user, query=PERIOD):
        self.login(user)
        return self.client.get(reverse("engagement:complaint_report") + query)

    def test_it_counts_by_category_and_severity(self):
        r = self.report(self.admin)
        table = r.context["report"]["by_category"]
        self.assertEqual(r.context["report"]["total"], 6)
        self.assertEqual([s.value for s in table["severities"]],
                         ["low", "medium", "high", "critical"])
        self.assertEqual([(row["category"].value, row["counts"], row["total"])
                          for row in table["rows"]],
                         [("product", [1, 1, 0, 0], 2), ("delivery", [1, 0, 1, 0], 2),
                          ("service", [0, 0, 0, 1], 1), ("billing", [0, 1, 0, 0], 1)])
        self.assertEqual(table["totals"], [2, 2, 1, 1])

    def test_it_measures_resolution_time_and_sla_breaches(self):
        report = self.report(self.admin).context["report"]
        self.assertEqual(report["resolution"]["count"], 3)
        self.assertAlmostEqual(report["resolution"]["median"], 26)
        self.assertAlmostEqual(report["resolution"]["mean"], 44)
        self.assertEqual((report["breaches"].part, report["breaches"].whole), (4, 6))

    def test_it_measures_repurchase_after_resolved_and_unresolved_complaints(self):
        r = self.report(self.admin)
        figures = r.context["report"]["repurchase"]
        self.assertEqual((figures["resolved"].part, figures["resolved"].whole), (1, 2))
        self.assertEqual((figures["unresolved"].part, figures["unresolved"].whole), (2, 3))
        self.assertEqual(figures["counted"], 5)
        self.assertContains(r, "within 90 days after the complaint was resolved, or after it "
                               "was opened if it is not resolved")
        self.assertContains(r, "67%")

    def test_it_takes_the_median_of_an_odd_and_an_even_count(self):
        r = self.report(self.admin, "?since=2026-01-01&until=2026-05-31")
        self.assertAlmostEqual(r.context["report"]["resolution"]["median"], 53)  # (10 + 96) / 2

    def test_it_counts_only_a_sales_managers_own_customers(self):
        report = self.report(self.manager).context["report"]
        self.assertEqual(report["total"], 5)
        self.assertEqual((report["breaches"].part, report["breaches"].whole), (3, 5))

    def test_it_defaults_to_the_last_year_and_says_so_when_empty(self):
        r = self.report(self.admin, "")
        self.assertEqual((r.context["since"], r.context["until"]),
                         (datetime(2025, 7, 1).date(), datetime(2026, 6, 30).date()))
        self.assertEqual(r.context["report"]["total"], 7)
        r = self.report(self.admin, "?since=2027-01-01&until=2027-02-01")
        self.assertContains(r, "No complaints in this period")
        r = self.report(self.admin, "?since=2026-02-01&until=2026-01-01")
        self.assertContains(r, "The period ends before it starts.", status_code=400)
