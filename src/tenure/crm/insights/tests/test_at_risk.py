"""The at-risk list and the customer page's value card, from stored snapshots."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

from auditlog.models import LogEntry
from django.urls import reverse
from openpyxl import load_workbook

from tenure.analytics.value import value_at_risk
from tenure.crm.customers.models import Customer
from tenure.crm.engagement.models import Complaint, ComplaintCategory, ComplaintStatus
from tenure.crm.feedback.models import Answer, Invitation, Survey, SurveyKind, SurveyTrigger
from tenure.crm.insights.models import CustomerSnapshot, InsightsRun
from tenure.crm.testing import TenureTestCase

TAKEN = date(2026, 5, 20)
OVERDUE = {"code": "overdue", "days": 94, "usual_gap": 30, "impact": 0.4}
COMPLAINTS = {"code": "complaints_open", "count": 2, "impact": 0.2}


class AtRiskTestCase(TenureTestCase):
    """Four customers scored on 2026-05-20 (and an older snapshot that must not count).

    Value if they stay = CLV / P(alive); expected value lost = that x churn risk.

    name   manager  CLV    P(alive)  risk   if they stay  lost   segment
    Ada    bob      1000   0.4       0.60   2500          1500   at_risk
    Ben    bob       100   0.1       0.90   1000           900   hibernating
    Cleo   carol     500   0.2       0.80   2500          2000   cant_lose
    Dan    bob      2000   0.8       0.20   2500           500 (below the default 50 %)
    """

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        InsightsRun.objects.create(
            as_of=TAKEN, status=InsightsRun.Status.DONE,
            finished_at=datetime(2026, 5, 21, tzinfo=UTC),
            results={"churn": {"scored": 4}, "warnings": []})
        people = [("Ada", cls.manager, "1000", 0.6, "at_risk", [OVERDUE, COMPLAINTS]),
                  ("Ben", cls.manager, "100", 0.9, "hibernating", []),
                  ("Cleo", cls.other_manager, "500", 0.8, "cant_lose", [OVERDUE]),
                  ("Dan", cls.manager, "2000", 0.2, "champions", [])]
        cls.people = {}
        for name, manager, clv, risk, segment, reasons in people:
            customer = Customer.objects.create(name=name, manager=manager)
            cls.people[name] = customer
            CustomerSnapshot.objects.create(
                customer=customer, taken_on=TAKEN, clv=Decimal(clv), churn_risk=risk,
                segment=segment, churn_reasons=reasons, p_alive=1 - risk,
                expected_purchases=0.5, last_purchase=date(2026, 2, 15))
            CustomerSnapshot.objects.create(customer=customer, taken_on=date(2026, 4, 20),
                                            clv=Decimal("99999"), churn_risk=0.99)

    def names(self, response) -> list[str]:
        return [s.customer.name for s in response.context["page"].object_list]

    def test_it_lists_the_most_expected_value_lost_first_and_adds_it_up(self):
        self.login(self.admin)
        r = self.client.get(reverse("insights:at_risk"))
        self.assertEqual(self.names(r), ["Cleo", "Ada", "Ben"])
        self.assertEqual([round(s.value_at_risk) for s in r.context["page"].object_list],
                         [2000, 1500, 900])
        self.assertEqual([round(s.value_if_stay) for s in r.context["page"].object_list],
                         [2500, 2500, 1000])
        self.assertEqual(r.context["totals"]["customers"], 3)
        self.assertAlmostEqual(r.context["totals"]["value"], 4400)

    def test_it_says_why_in_the_users_language(self):
        self.login(self.admin)
        r = self.client.get(reverse("insights:at_risk"))
        self.assertContains(r, "no purchase for 94 days; usually buys every 30 days")
        self.assertContains(r, "no single reason stands out")  # Ben
        self.client.post(reverse("set_language"), {"language": "ru"})
        r = self.client.get(reverse("insights:at_risk"))
        self.assertContains(r, "2 жалобы не решены")

    def test_a_sales_manager_sees_only_their_own(self):
        self.login(self.manager)
        r = self.client.get(reverse("insights:at_risk"))
        self.assertEqual(self.names(r), ["Ada", "Ben"])
        self.assertNotIn("manager", r.context["form"].fields)
        self.assertNotContains(r, "Cleo")

    def test_it_filters_by_risk_segment_and_manager(self):
        self.login(self.admin)
        url = reverse("insights:at_risk")
        self.assertEqual(self.names(self.client.get(url, {"risk": "0.3"})),
                         ["Cleo", "Ada", "Ben"])
        self.assertEqual(self.names(self.client.get(url, {"risk": "0.7"})), ["Cleo", "Ben"])
        self.assertEqual(self.names(self.client.get(url, {"segment": "cant_lose"})), ["Cleo"])
        self.assertEqual(self.names(self.client.get(url, {"manager": self.other_manager.pk})),
                         ["Cleo"])
        # Unknown values fall back to the defaults instead of failing.
        self.assertEqual(self.names(self.client.get(url, {"risk": "x", "segment": "?"})),
                         ["Cleo", "Ada", "Ben"])

    def test_it_is_in_the_menu_of_everyone_who_sees_customers(self):
        for user, shown in ((self.manager, True), (self.support, True), (self.nobody, False)):
            self.login(user)
            r = self.client.get(reverse("home"), follow=True)
            self.assertEqual(reverse("insights:at_risk") in r.content.decode(), shown, user)
        self.login(self.nobody)
        self.assertEqual(self.client.get(reverse("insights:at_risk")).status_code, 403)

    def test_before_any_churn_scores_it_says_what_to_do(self):
        InsightsRun.objects.all().delete()
        self.login(self.admin)
        r = self.client.get(reverse("insights:at_risk"))
        self.assertContains(r, "No churn scores yet")

    def test_the_customer_page_shows_value_and_risk(self):
        self.login(self.manager)
        r = self.client.get(self.people["Ada"].get_absolute_url())
        card = r.content.decode()
        self.assertIn("Value and risk", card)
        self.assertIn("$1,000", card)  # the latest snapshot's CLV, not the older 99,999
        self.assertIn("60%", card)
        self.assertIn("2 complaints not resolved", card)

    def test_a_customer_not_scored_yet_gets_a_word_instead(self):
        self.login(self.admin)
        newcomer = Customer.objects.create(name="Eve")
        r = self.client.get(newcomer.get_absolute_url())
        self.assertContains(r, "appear here after the nightly refresh")


class RankingRuleTestCase(TenureTestCase):
    """A champion who bought last week against a mid-value customer slipping away.

    name  CLV   P(alive)  risk  if they stay  lost (old rule CLV x risk)
    Zoe   3000  0.95      0.15  3158          474  (450)
    Mia    400  0.50      0.70   800          560  (280)
    """

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.zoe = Customer.objects.create(name="Zoe", manager=cls.manager)
        cls.mia = Customer.objects.create(name="Mia", manager=cls.manager)
        for customer, clv, p_alive, risk, segment in ((cls.zoe, "3000", 0.95, 0.15, "champions"),
                                                      (cls.mia, "400", 0.5, 0.7, "at_risk")):
            CustomerSnapshot.objects.create(
                customer=customer, taken_on=TAKEN, clv=Decimal(clv), churn_risk=risk,
                p_alive=p_alive, segment=segment, last_purchase=date(2026, 5, 13))

    def ranked(self, threshold=0.1):
        return [(s.customer.name, round(s.value_at_risk)) for s in
                CustomerSnapshot.objects.at_risk(threshold, now=datetime(2026, 5, 21, tzinfo=UTC))]

    def complain(self, customer, status=ComplaintStatus.NEW):
        return Complaint.objects.create(
            customer=customer, category=ComplaintCategory.DELIVERY, description="late",
            status=status, due_at=datetime(2026, 5, 22, tzinfo=UTC))

    def test_a_safe_champion_ranks_below_a_customer_slipping_away(self):
        self.assertEqual(self.ranked(), [("Mia", 560), ("Zoe", 474)])
        self.assertEqual(self.ranked(0.5), [("Mia", 560)])

    def test_an_open_complaint_raises_the_chance_of_leaving(self):
        self.complain(self.zoe)
        # At least an even chance: 3158 x 0.5.
        self.assertEqual(self.ranked(), [("Zoe", 1579), ("Mia", 560)])
        self.assertEqual(self.ranked(0.5), [("Zoe", 1579), ("Mia", 560)])
        zoe = CustomerSnapshot.objects.at_risk(0.5).get(customer=self.zoe)
        self.assertTrue(zoe.signal)
        self.assertEqual(zoe.leaving, 0.5)

    def test_the_database_orders_by_the_library_rule(self):
        self.complain(self.zoe)
        listed = list(CustomerSnapshot.objects.at_risk(0.0, now=datetime(2026, 5, 21, tzinfo=UTC)))
        rule = value_at_risk([float(s.clv) for s in listed], [s.p_alive for s in listed],
                             [s.churn_risk for s in listed], [s.signal for s in listed])
        self.assertEqual([round(s.value_at_risk, 6) for s in listed],
                         [round(v, 6) for v in rule["value_at_risk"]])
        self.assertEqual(list(rule["value_at_risk"]),
                         sorted(rule["value_at_risk"], reverse=True))

    def test_a_resolved_complaint_does_not(self):
        self.complain(self.zoe, ComplaintStatus.RESOLVED)
        self.assertEqual(self.ranked(), [("Mia", 560), ("Zoe", 474)])

    def answer(self, customer, kind, score, day):
        survey = Survey.objects.create(name=kind, kind=kind, trigger=SurveyTrigger.AFTER_PURCHASE)
        invitation = Invitation.objects.create(
            survey=survey, customer=customer, occasion="test",
            expires_at=datetime(2026, 6, 30, tzinfo=UTC))
        Answer.objects.create(invitation=invitation, customer=customer, kind=kind, score=score,
                              answered_at=datetime.combine(day, datetime.min.time(), UTC))

    def test_a_recent_detractor_answer_raises_it_too(self):
        self.answer(self.zoe, SurveyKind.NPS, 4, date(2026, 5, 1))
        self.assertEqual(self.ranked()[0], ("Zoe", 1579))

    def test_a_happy_or_an_old_answer_does_not(self):
        self.answer(self.zoe, SurveyKind.NPS, 9, date(2026, 5, 1))
        self.answer(self.zoe, SurveyKind.NPS, 2, date(2025, 12, 1))  # > 90 days before
        self.assertEqual(self.ranked(), [("Mia", 560), ("Zoe", 474)])

    def test_the_page_says_why_a_signal_put_someone_on_the_list(self):
        InsightsRun.objects.create(as_of=TAKEN, status=InsightsRun.Status.DONE,
                                   finished_at=datetime(2026, 5, 21, tzinfo=UTC),
                                   results={"churn": {"scored": 2}})
        self.complain(self.zoe)
        self.login(self.admin)
        r = self.client.get(reverse("insights:at_risk"))
        self.assertContains(r, "open complaint or unhappy survey answer")
        self.assertContains(r, "model: 15%")


METRICS = {"columns": ["model", "roc_auc", "pr_auc"],
           "rows": [["model", 0.78, 0.5], ["recency", 0.71, 0.4], ["p_alive", 0.7, 0.4]]}


class AtRiskPageTestCase(AtRiskTestCase):
    """What the page says about its scores, its export, and other languages."""

    def results(self, **churn):
        run = InsightsRun.objects.get()
        run.results = {"churn": {"scored": 4, **churn},
                       "value": {"p_alive_model": "MBG/NBD"}}
        run.save()

    def test_it_says_what_the_risk_means_and_how_good_the_model_is(self):
        self.results(horizon_days=90, metrics=METRICS)
        self.login(self.admin)
        r = self.client.get(reverse("insights:at_risk"))
        self.assertContains(r, "Risk is the chance of no purchase within 90 days.")
        self.assertContains(r, "ranks leavers better than days-since-last-purchase alone: "
                               "0.78 vs 0.71")
        self.assertContains(r, "comes from the MBG/NBD model")

    def test_it_warns_when_the_model_is_no_better_than_recency(self):
        metrics = {"columns": METRICS["columns"],
                   "rows": [["model", 0.69, 0.5], ["recency", 0.71, 0.4]]}
        self.results(horizon="no purchase within 60 days after the snapshot", metrics=metrics)
        self.login(self.admin)
        r = self.client.get(reverse("insights:at_risk"))
        self.assertContains(r, "does not rank leavers better than days-since-last-purchase")
        self.assertContains(r, "Risk is the chance of no purchase within 60 days after the")

    def test_an_older_refresh_without_those_figures_still_renders(self):
        self.login(self.admin)
        r = self.client.get(reverse("insights:at_risk"))
        self.assertEqual(r.status_code, 200)
        self.assertNotContains(r, "ROC AUC")

    def test_it_renders_in_russian_and_ukrainian(self):
        self.results(horizon_days=90, metrics=METRICS)
        self.login(self.admin)
        for language, complaints in (("ru", "2 жалобы не решены"),
                                     ("uk", "2 скарги не вирішені")):
            self.client.post(reverse("set_language"), {"language": language})
            r = self.client.get(reverse("insights:at_risk"))
            self.assertEqual(r.status_code, 200, language)
            self.assertContains(r, complaints)
            self.assertContains(r, f'lang="{language}"')
            self.assertContains(r, 'style="--risk: 0.80"')  # CSS needs a dot, not "0,80"

    def test_it_exports_what_the_page_lists_as_csv(self):
        self.login(self.admin)
        r = self.client.get(reverse("insights:at_risk"), {"format": "csv", "risk": "0.3"})
        self.assertEqual(r.status_code, 200)
        self.assertIn('filename="at-risk-', r["Content-Disposition"])
        lines = list(csv.reader(io.StringIO(b"".join(r.streaming_content).decode("utf-8-sig"))))
        self.assertEqual(lines[0][:2], ["External id", "Name"])
        self.assertEqual([line[1] for line in lines[1:]], ["Cleo", "Ada", "Ben"])
        ada = lines[2]
        self.assertEqual(ada[lines[0].index("Expected value lost")], "1500.00")
        self.assertIn("no purchase for 94 days; usually buys every 30 days", ada[-1])
        entry = LogEntry.objects.get(object_repr="at-risk list")
        self.assertEqual(entry.actor, self.admin)
        self.assertEqual(entry.additional_data["rows"], 3)
        self.assertEqual(entry.additional_data["format"], "csv")

    def test_it_exports_excel_with_numbers_as_numbers(self):
        self.login(self.admin)
        r = self.client.get(reverse("insights:at_risk"), {"format": "xlsx"})
        sheet = load_workbook(io.BytesIO(r.getvalue())).active
        rows = list(sheet.iter_rows(values_only=True))
        self.assertEqual([row[1] for row in rows[1:]], ["Cleo", "Ada", "Ben"])
        self.assertEqual(rows[1][rows[0].index("Expected value lost")], 2000)

    def test_the_export_holds_exactly_the_rows_the_page_lists(self):
        filters = [{}, {"risk": "0.3"}, {"risk": "0.1", "segment": "at_risk"},
                   {"risk": "0.1", "manager": self.other_manager.pk}]
        for user in (self.manager, self.admin):
            self.login(user)
            for query in filters:
                with self.subTest(user=user.username, **query):
                    page = self.client.get(reverse("insights:at_risk"), query)
                    r = self.client.get(reverse("insights:at_risk"), {**query, "format": "csv"})
                    text = b"".join(r.streaming_content).decode("utf-8-sig")
                    exported = [line[1] for line in csv.reader(io.StringIO(text))][1:]
                    self.assertEqual(exported, self.names(page))
        self.assertEqual(self.names(page), ["Cleo"])  # not empty: the comparison means something

    def test_it_exports_a_russian_csv_with_decimal_commas(self):
        self.login(self.admin)
        r = self.client.get(reverse("insights:at_risk"), {"format": "csv"},
                            headers={"accept-language": "ru"})
        text = b"".join(r.streaming_content).decode("utf-8-sig")
        header, *rows = csv.reader(io.StringIO(text), delimiter=";")
        ada = next(row for row in rows if row[1] == "Ada")
        self.assertEqual(len(ada), len(header))
        # Chance of leaving, value if they stay, expected value lost, CLV, P(alive).
        self.assertEqual([ada[i] for i in (4, 7, 8, 9, 10)],
                         ["0,6000", "2500,00", "1500,00", "1000,00", "0,4000"])
        self.assertEqual(Decimal(ada[8].replace(",", ".")), Decimal("1500"))
        self.assertEqual(ada[11], "2026-02-15")

    def test_it_exports_excel_as_a_table_with_percentages(self):
        self.login(self.admin)
        r = self.client.get(reverse("insights:at_risk"), {"format": "xlsx"})
        sheet = load_workbook(io.BytesIO(r.getvalue())).active
        self.assertEqual((sheet.freeze_panes, sheet.auto_filter.ref), ("A2", "A1:M4"))
        leaving, lost = sheet["E2"], sheet["I2"]  # Cleo
        self.assertEqual((leaving.data_type, leaving.value), ("n", 0.8))
        self.assertIn("%", leaving.number_format)
        self.assertEqual((lost.data_type, lost.number_format), ("n", "#,##0.00"))
        self.assertTrue(sheet["L2"].is_date)

    def test_a_sales_manager_exports_only_their_own(self):
        self.login(self.manager)
        r = self.client.get(reverse("insights:at_risk"), {"format": "csv"})
        text = b"".join(r.streaming_content).decode("utf-8-sig")
        self.assertIn("Ada", text)
        self.assertNotIn("Cleo", text)
        # Naming another manager changes nothing: the field is not theirs to use.
        r = self.client.get(reverse("insights:at_risk"),
                            {"format": "csv", "manager": self.other_manager.pk})
        self.assertNotIn("Cleo", b"".join(r.streaming_content).decode("utf-8-sig"))

    def test_an_empty_list_says_what_to_do(self):
        self.login(self.admin)
        r = self.client.get(reverse("insights:at_risk"), {"risk": "0.7", "segment": "lost"})
        self.assertContains(r, "No customer matches these filters. Choose a lower chance")
        self.assertNotContains(r, "format=csv")  # nothing to export
        CustomerSnapshot.objects.filter(taken_on=TAKEN).update(churn_risk=0.05)
        r = self.client.get(reverse("insights:at_risk"))
        self.assertContains(r, "Choose a lower level to see who comes next")

    def test_who_may_not_see_customers_may_not_export_them(self):
        self.login(self.nobody)
        r = self.client.get(reverse("insights:at_risk"), {"format": "csv"})
        self.assertEqual(r.status_code, 403)
        self.assertFalse(LogEntry.objects.filter(object_repr="at-risk list").exists())

    def test_a_filter_out_of_range_refuses_the_export_instead_of_widening_it(self):
        self.login(self.admin)
        r = self.client.get(reverse("insights:at_risk"), {"format": "csv", "manager": "999999"})
        self.assertEqual(r.status_code, 400)
        self.assertFalse(LogEntry.objects.filter(object_repr="at-risk list").exists())
