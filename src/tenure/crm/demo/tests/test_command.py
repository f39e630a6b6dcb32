from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from datetime import date

from django.core.management import call_command

from tenure.cli import main
from tenure.crm.accounts.models import User
from tenure.crm.customers.models import Customer
from tenure.crm.sales.models import Order
from tenure.crm.testing import TenureTestCase


def run(**options) -> str:
    out = io.StringIO()
    call_command("demo_data", stdout=out, no_progress=True, end_date=date(2025, 6, 30),
                 **options)
    return out.getvalue()


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = main(["demo-data", *args])
    return status, out.getvalue(), err.getvalue()


class DemoDataCommandTestCase(TenureTestCase):
    def test_it_does_nothing_the_second_time_with_keep_existing(self):
        first = run(customers=40, seed=3, keep_existing=True)
        ids = list(Customer.objects.filter(source="demo").values_list("pk", flat=True))
        orders = Order.objects.count()
        second = run(customers=90, seed=4, keep_existing=True)
        self.assertIn("built", first)
        self.assertIn("already present", second)
        self.assertEqual(list(Customer.objects.filter(source="demo").values_list(
            "pk", flat=True)), ids)
        self.assertEqual(Order.objects.count(), orders)
        self.assertIn("Customers                40", second)

    def test_it_replaces_demo_data_and_leaves_other_customers_alone(self):
        own = Customer.objects.create(name="Real Customer", source="manual")
        run(customers=40, seed=3)
        run(customers=25, seed=5)
        self.assertEqual(Customer.objects.filter(source="demo").count(), 25)
        self.assertEqual(Order.objects.exclude(source="demo").count(), 0)
        self.assertTrue(Customer.objects.filter(pk=own.pk).exists())

    def test_it_prints_a_summary_with_the_logins(self):
        out = run(customers=30, seed=2)
        orders = Order.objects.filter(source="demo").order_by("ordered_at")
        span = f"{orders.first().ordered_at:%Y-%m-%d} .. {orders.last().ordered_at:%Y-%m-%d}"
        for text in ["Customers                30", f"Orders                   {orders.count()}",
                     "Order lines", "Returns", "Revenue", "Complaints", "Interactions",
                     "Activities", "Survey answers", span, "manager1", "tenure-demo"]:
            self.assertIn(text, out)

    def test_it_lets_the_demo_user_sign_in_after_keep_existing(self):
        run(customers=20, seed=1)
        # A manager has activities, which keep their user; the analyst has none.
        User.objects.filter(username="analyst").delete()
        out = run(customers=20, seed=1, keep_existing=True)
        self.assertIn("already present", out)
        self.assertTrue(self.client.login(username="demo", password="tenure-demo"))
        self.assertTrue(self.client.login(username="analyst", password="tenure-demo"))

    def test_it_explains_every_option_in_help(self):
        status, out, _ = run_cli("--help")
        self.assertEqual(status, 0)
        for option in ["--customers", "--seed", "--end-date", "--orders-per-customer",
                       "--keep-existing", "--no-progress"]:
            self.assertIn(option, out)

    def test_it_exits_2_on_bad_usage(self):
        for args in [("--customers", "0"), ("--customers", "many"), ("--end-date", "soon"),
                     ("--orders-per-customer", "0.5"), ("--no-such-option",)]:
            status, _, err = run_cli(*args)
            self.assertEqual(status, 2, args)
            self.assertIn("error", err)
        self.assertFalse(Customer.objects.filter(source="demo").exists())
