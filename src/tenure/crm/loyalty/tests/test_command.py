"""``tenure loyalty statement|grant|redeem|check``."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

from django.core.management import CommandError, call_command

from tenure.crm.customers.models import Customer
from tenure.crm.loyalty import ledger
from tenure.crm.loyalty.models import Account, Entry, ReferralCode

from .base import LedgerTestCase, days


def tenure_loyalty(*args: str) -> str:
    out = StringIO()
    call_command("loyalty", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


class LoyaltyCommandTestCase(LedgerTestCase):
    def test_it_grants_redeems_once_per_key_and_prints_the_statement(self):
        self.assertEqual(tenure_loyalty("grant", "shop:C-7", "120", "--reason", "sorry"),
                         "Granted 120 points to Olena.\n")
        self.assertEqual(tenure_loyalty("redeem", str(self.olena.pk), "50", "--key", "k1"),
                         "Redeemed 50 points.\n")
        self.assertEqual(tenure_loyalty("redeem", str(self.olena.pk), "50", "--key", "k1"),
                         "Already redeemed with this key; nothing changed.\n")
        result = json.loads(tenure_loyalty("statement", "shop:C-7", "--json"))
        self.assertEqual((result["balance"], result["tier"]), (70, None))
        self.assertEqual([(e["kind"], e["points"], e["reason"]) for e in result["entries"]],
                         [("redeem", -50, "command line"), ("bonus", 120, "sorry")])
        self.assertIn("balance 70, pending 0", tenure_loyalty("statement", str(self.olena.pk)))

    def test_the_statement_writes_each_time_as_isoformat_does(self):
        for at in (days(0), days(1) + timedelta(microseconds=120)):
            ledger.grant(self.olena.pk, 1, "thanks", now=at)
        result = json.loads(tenure_loyalty("statement", str(self.olena.pk), "--json"))
        self.assertEqual([e["at"] for e in result["entries"]],
                         ["2026-03-02T12:00:00.000120+00:00", "2026-03-01T12:00:00+00:00"])
        self.assertEqual([e["at"] for e in result["entries"]],
                         [e.at.isoformat() for e in Entry.objects.order_by("-at")])

    def test_a_refused_redemption_exits_1_with_its_reason(self):
        with self.assertRaisesMessage(CommandError,
                                      "The balance is 0 points, short of 5.") as caught:
            tenure_loyalty("redeem", "shop:C-7", "5", "--key", "k")
        self.assertEqual(caught.exception.returncode, 1)
        with self.assertRaisesMessage(CommandError, "No customer “shop:nobody”") as caught:
            tenure_loyalty("statement", "shop:nobody")
        self.assertEqual(caught.exception.returncode, 1)

    def test_check_lists_the_accounts_that_differ_and_repairs_nothing(self):
        ledger.grant(self.olena.pk, 30, "thanks", now=days(0))
        self.assertEqual(tenure_loyalty("check"), "Every balance equals its ledger.\n")
        Account.objects.filter(customer=self.olena).update(balance=31)
        err = StringIO()
        with self.assertRaisesMessage(CommandError, "1 accounts differ") as caught:
            call_command("loyalty", "check", stdout=StringIO(), stderr=err)
        self.assertEqual(caught.exception.returncode, 1)
        self.assertIn(f"customer {self.olena.pk}: balance 31 (entries 30, available lots 30)",
                      err.getvalue())
        self.assertEqual(Account.objects.get(customer=self.olena).balance, 31)
        self.assertEqual(Entry.objects.count(), 1)


class RewardCommandTestCase(LedgerTestCase):
    def test_it_rewards_once_per_key_and_prints_a_code(self):
        petro = Customer.objects.create(name="Petro")
        self.assertEqual(tenure_loyalty("reward", "40", "shop:C-7", str(petro.pk), "--reason",
                                        "storm", "--key", "storm"),
                         "Rewarded 2 customers with 40 points; 0 had it already.\n")
        self.assertEqual(tenure_loyalty("reward", "40", str(petro.pk), "--reason", "storm",
                                        "--key", "storm"),
                         "Rewarded 0 customers with 40 points; 1 had it already.\n")
        self.assertEqual(self.account(petro).balance, 40)
        code = tenure_loyalty("code", "shop:C-7").strip()
        self.assertEqual(code, ReferralCode.objects.get(customer=self.olena).code)
        self.assertEqual(len(code), 7)
