"""The refresh: snapshots and stored results checked against a hand-worked shop."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr
from datetime import date, datetime, timedelta
from decimal import Decimal
from unittest import mock

import numpy as np
from django.core.management import CommandError, call_command
from django.utils import timezone

from tenure.analytics import churn
from tenure.cli import main
from tenure.crm.customers.models import Customer
from tenure.crm.engagement.models import Complaint, Interaction
from tenure.crm.feedback.models import Answer, Invitation, Survey
from tenure.crm.insights.models import CustomerSnapshot, InsightsRun
from tenure.crm.insights.refreshing import refresh_insights
from tenure.crm.insights.stored import frame
from tenure.crm.messaging.models import Message
from tenure.crm.sales.models import Order, OrderStatus, Return
from tenure.crm.testing import TenureTestCase

UTC = timezone.get_fixed_timezone(0)
AS_OF = date(2026, 3, 31)
LATER = date(2026, 6, 30)


def order(customer, day: str, total: str, status=OrderStatus.COMPLETED) -> Order:
    return Order.objects.create(
        external_id=f"O{Order.objects.count() + 1}", customer=customer, total=Decimal(total),
        status=status, ordered_at=datetime.fromisoformat(f"{day}T12:00").replace(tzinfo=UTC),
    )


class RefreshTestCase(TenureTestCase):
    """Five buyers whose R and F ranks are all different, so each score is its rank.

    as of 2026-03-31   orders  last purchase  days  revenue   R F M  segment
    A                  5       2026-03-30       1    120      5 5 3  champions
    B                  4       2026-03-20      11    400      4 4 4  loyal
    C                  3       2026-02-28      31     90      3 3 2  need attention
    D                  2       2025-12-31      90   1000      2 2 5  hibernating
    E                  1       2025-06-30     274     60      1 1 1  lost

    A returned 30 of one order on 2026-03-31; F only has a cancelled order (no buyer);
    A's order on 2026-04-02 is after the snapshot.
    """

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.people = {n: Customer.objects.create(name=n, manager=cls.manager) for n in "ABCDEF"}
        a, b, c, d, e, f = cls.people.values()
        for day in ("2026-01-10", "2026-02-10", "2026-03-01", "2026-03-15", "2026-03-30"):
            last = order(a, day, "30.00")
        Return.objects.create(external_id="R1", order=last, amount=Decimal("30.00"),
                              returned_at=datetime(2026, 3, 31, 9, tzinfo=UTC))
        order(a, "2026-04-02", "500.00")
        for day in ("2025-11-20", "2026-01-20", "2026-02-20", "2026-03-20"):
            order(b, day, "100.00")
        for day in ("2025-10-15", "2026-01-15", "2026-02-28"):
            order(c, day, "30.00")
        order(d, "2025-06-15", "500.00")
        order(d, "2025-12-31", "500.00")
        order(e, "2025-06-30", "60.00")
        order(f, "2026-03-01", "70.00", status=OrderStatus.CANCELLED)
        # The refresh every test starts from (a refresh takes seconds: its forecasts). The
        # tests' own refreshes leave the forecast out: this one has it, and none of them is
        # about it.
        cls.refreshed = refresh_insights(as_of=AS_OF, by=cls.admin)

    def snapshots(self, taken_on: date) -> dict[str, CustomerSnapshot]:
        rows = CustomerSnapshot.objects.filter(taken_on=taken_on).select_related("customer")
        return {s.customer.name: s for s in rows}

    def test_it_stores_each_buyers_snapshot(self):
        run = self.refreshed
        self.assertEqual((run.status, run.error), (InsightsRun.Status.DONE, ""))
        self.assertEqual(run.requested_by, self.admin)
        shots = self.snapshots(AS_OF)
        self.assertEqual(sorted(shots), list("ABCDE"))
        scores = {n: (s.r_score, s.f_score, s.m_score, s.segment) for n, s in shots.items()}
        self.assertEqual(scores, {
            "A": (5, 5, 3, "champions"), "B": (4, 4, 4, "loyal"),
            "C": (3, 3, 2, "need_attention"), "D": (2, 2, 5, "hibernating"),
            "E": (1, 1, 1, "lost"),
        })
        a = shots["A"]
        self.assertEqual((a.orders, a.revenue, a.frequency, a.recency_days),
                         (5, Decimal("120.00"), 4, 1))
        self.assertEqual((a.first_purchase, a.last_purchase), (date(2026, 1, 10),
                                                               date(2026, 3, 30)))
        self.assertEqual((shots["D"].abc, shots["E"].abc), ("A", "C"))
        self.assertTrue(all(s.xyz for s in shots.values()))

    def test_it_stores_json_safe_tables(self):
        results = self.refreshed.results
        json.dumps(results, allow_nan=False)
        self.assertEqual(results["as_of"], "2026-03-31")
        self.assertEqual(results["totals"]["buyers"], 5)
        self.assertEqual(results["totals"]["orders"], 15)
        self.assertEqual(results["totals"]["revenue"], 1670.0)
        march = frame(results["kpis"]["month"]).set_index("period").loc["2026-03-01"]
        # A bought on 1, 15 and 30 March and returned 30; B on 20 March.
        self.assertEqual((march["buyers"], march["orders"], march["revenue"]), (2, 4, 160.0))
        self.assertEqual(set(results["kpis"]), {"week", "month", "quarter", "year"})
        self.assertIn("manager", results["kpis_by"])
        self.assertNotIn("store", results["kpis_by"])  # every order's store is empty
        segments = frame(results["segments"]).set_index("segment")["customers"]
        self.assertEqual(segments["champions"], 1)
        self.assertEqual(segments["cant_lose"], 0)
        self.assertEqual(len(segments), 11)
        grid = frame(results["abc_xyz"]).set_index("abc")
        self.assertEqual(int(grid.to_numpy().sum()), 5)
        self.assertIsNone(results["transitions"])
        cohorts = frame(results["cohorts"]["customers"])
        self.assertEqual(list(cohorts.columns[:3]), ["cohort", "size", "0"])

    def test_a_later_refresh_records_the_transitions(self):
        order(self.people["E"], "2026-06-29", "60.00")
        run = refresh_insights(as_of=LATER, forecast=False)
        self.assertEqual(run.results["previous_as_of"], "2026-03-31")
        after = {n: s.segment for n, s in self.snapshots(LATER).items()}
        # 30 June: E came back (1 day), A 92, B 102, C 122, D 181 days; D and E tie on F.
        self.assertEqual(after, {"A": "loyal", "B": "loyal", "C": "at_risk", "D": "lost",
                                 "E": "new"})
        moves = frame(run.results["transitions"]).set_index("segment")
        self.assertEqual(moves.loc["champions", "loyal"], 1)
        self.assertEqual(moves.loc["loyal", "loyal"], 1)
        self.assertEqual(moves.loc["need_attention", "at_risk"], 1)
        self.assertEqual(moves.loc["hibernating", "lost"], 1)
        self.assertEqual(moves.loc["lost", "new"], 1)
        self.assertEqual(int(moves.to_numpy().sum()), 5)
        self.assertEqual(len(self.snapshots(AS_OF)), 5)  # the earlier snapshot is kept

    def test_a_second_refresh_on_the_same_day_replaces_its_snapshots(self):
        self.assertEqual(CustomerSnapshot.objects.filter(taken_on=AS_OF).count(), 5)
        refresh_insights(as_of=AS_OF, forecast=False)
        self.assertEqual(CustomerSnapshot.objects.filter(taken_on=AS_OF).count(), 5)

    def test_a_refused_refresh_is_recorded_as_failed(self):
        before = {s.customer_id: s.segment for s in CustomerSnapshot.objects.all()}
        InsightsRun.objects.create(as_of=AS_OF)  # another refresh, still running
        run = refresh_insights(as_of=AS_OF)
        run.refresh_from_db()
        self.assertEqual(run.status, InsightsRun.Status.FAILED)
        self.assertIn("Another refresh, started at", run.error)
        self.assertIsNotNone(run.finished_at)
        self.assertEqual(run.results, {})
        # The snapshots of the earlier refresh are untouched.
        self.assertEqual({s.customer_id: s.segment for s in CustomerSnapshot.objects.all()},
                         before)

    def test_it_passes_no_empty_source_to_the_churn_model(self):
        with mock.patch.object(churn, "predict_churn", wraps=churn.predict_churn) as spy:
            refresh_insights(as_of=AS_OF, forecast=False)
        # The shop has only orders: no source table is passed, only the settings and the
        # transactions the analysis already fetched sorted.
        self.assertEqual(set(spy.call_args.kwargs),
                         {"as_of", "horizon", "scoring_threads", "arrays"})

    def test_an_abandoned_run_does_not_block(self):
        InsightsRun.objects.create(as_of=AS_OF,
                                   started_at=timezone.now() - timedelta(hours=2))
        run = refresh_insights(as_of=AS_OF, forecast=False)
        self.assertEqual(run.status, InsightsRun.Status.DONE)


class ChurnSourcesTestCase(TenureTestCase):
    """Two years of a small shop with survey answers, complaints, contacts and emails: the
    churn model is fitted with every source the CRM has."""

    END = date(2025, 12, 31)

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        rng = np.random.default_rng(3)
        start = datetime(2024, 1, 1, 12, tzinfo=UTC)
        people = Customer.objects.bulk_create(
            [Customer(name=f"C{i}") for i in range(80)])
        orders = []
        for person in people:
            day = float(rng.integers(0, 200))
            gap, stops = float(rng.uniform(15, 90)), float(rng.uniform(150, 800))
            while day < min(stops, 730):
                orders.append(Order(external_id=f"O{len(orders)}", customer=person,
                                    ordered_at=start + timedelta(days=day),
                                    total=Decimal(int(rng.integers(20, 200)))))
                day += float(rng.exponential(gap)) + 1
        Order.objects.bulk_create(orders)
        survey = Survey.objects.create(name="NPS", kind="nps", trigger="purchase")
        for i, person in enumerate(people[:40]):
            when = start + timedelta(days=int(rng.integers(100, 700)))
            Complaint.objects.create(customer=person, category="delivery", description="Late",
                                     opened_at=when, due_at=when + timedelta(days=3),
                                     status="resolved" if i % 2 else "new",
                                     resolved_at=when + timedelta(days=1) if i % 2 else None)
            Interaction.objects.create(customer=person, kind="call", direction="in",
                                       occurred_at=when)
            message = Message.objects.create(
                template="survey", language="en", customer=person, to_email="c@example.com",
                subject="?", body_text="?", message_id=f"<{i}@tenure>", status="sent",
                sent_at=when)
            invitation = Invitation.objects.create(
                survey=survey, customer=person, occasion=f"order:{i}", message=message,
                expires_at=when + timedelta(days=30))
            Answer.objects.create(invitation=invitation, customer=person, kind="nps",
                                  score=int(rng.integers(0, 11)),
                                  answered_at=when + timedelta(hours=5))

    def test_it_feeds_the_churn_model_every_source(self):
        with mock.patch.object(churn, "predict_churn", wraps=churn.predict_churn) as spy:
            run = refresh_insights(as_of=self.END, forecast=False)
        self.assertEqual((run.status, run.error), (InsightsRun.Status.DONE, ""))
        self.assertIsNotNone(run.results["churn"], run.results["warnings"])
        sources = spy.call_args.kwargs
        self.assertEqual({name: sources[name].num_rows for name in
                          ("feedback", "complaints", "interactions", "messages")},
                         {"feedback": 40, "complaints": 40, "interactions": 40,
                          "messages": 40})
        open_now = [r for r in sources["complaints"].to_pylist() if r["resolved_at"] is None]
        self.assertEqual(len(open_now), 20)
        self.assertTrue(CustomerSnapshot.objects.filter(taken_on=self.END)
                        .exclude(churn_risk=None).exists())


class RefreshCommandTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        customer = Customer.objects.create(name="Olena")
        order(customer, "2026-03-01", "10.00")
        order(customer, "2026-03-05", "20.00")

    def test_it_refreshes_and_summarises(self):
        out = io.StringIO()
        call_command("insights", "refresh", "--as-of", "2026-03-31", "--no-progress",
                     stdout=out)
        self.assertIn("Insights refreshed as of 2026-03-31", out.getvalue())
        self.assertIn("Orders                   2", out.getvalue())
        self.assertEqual(CustomerSnapshot.objects.get().taken_on, AS_OF)

    def test_it_fails_with_status_1(self):
        InsightsRun.objects.create(as_of=AS_OF)  # another refresh, still running
        with self.assertRaisesMessage(CommandError, "Another refresh") as caught:
            call_command("insights", "refresh", "--no-progress", stdout=io.StringIO())
        self.assertEqual(caught.exception.returncode, 1)

    def test_a_bad_date_is_bad_usage(self):
        with redirect_stderr(io.StringIO()) as err:
            status = main(["insights", "refresh", "--as-of", "31.03.2026"])
        self.assertEqual(status, 2)
        self.assertIn("is not a date", err.getvalue())
