from __future__ import annotations

from io import StringIO

from django.core.management import CommandError, call_command
from django.urls import reverse

from tenure.crm.customers.access import customers_for_user
from tenure.crm.customers.duplicates import count_possible_duplicates, possible_duplicates
from tenure.crm.customers.models import Customer, CustomerMerge
from tenure.crm.testing import TenureTestCase


def summary(pairs) -> list[tuple[list[tuple[str, str]], str, str]]:
    return [(p.reasons, p.first.name, p.second.name) for p in pairs]


class DuplicatesTestCase(TenureTestCase):
    def setUp(self):
        new = Customer.objects.create
        new(name="Ann", email="Ann@Example.com ", manager=self.manager)
        new(name="Ann 2", email="ann@example.com", manager=self.other_manager)
        new(name="Ann 3", email=" ANN@EXAMPLE.COM", manager=self.manager)
        new(name="Ben", phone="+380501112233", manager=self.manager)
        new(name="Ben 2", phone="+380501112233", manager=self.manager)
        new(name="Cid", email="cid@example.com", phone="+380509999999", manager=self.manager)
        new(name="Dee", email="dee@example.com", phone="+380508888888", manager=self.manager)
        new(name="Blank 1", email=" ")
        new(name="Blank 2", email="")

    def test_it_finds_the_same_email_in_any_case_and_the_same_phone(self):
        self.assertEqual(summary(possible_duplicates()), [
            ([("email", "ann@example.com")], "Ann", "Ann 2"),
            ([("email", "ann@example.com")], "Ann", "Ann 3"),
            ([("phone", "+380501112233")], "Ben", "Ben 2"),
        ])

    def test_it_counts_the_pairs(self):
        self.assertEqual(count_possible_duplicates(), 3)

    def test_it_finds_nothing_among_distinct_customers(self):
        distinct = Customer.objects.filter(name__in=["Cid", "Dee", "Blank 1", "Blank 2", "Ann"])
        self.assertEqual(possible_duplicates(distinct), [])
        self.assertEqual(count_possible_duplicates(distinct), 0)

    def test_it_keeps_to_a_sales_managers_customers(self):
        pairs = possible_duplicates(customers_for_user(self.manager))
        self.assertEqual(summary(pairs), [
            ([("email", "ann@example.com")], "Ann", "Ann 3"),
            ([("phone", "+380501112233")], "Ben", "Ben 2"),
        ])
        self.assertEqual(possible_duplicates(customers_for_user(self.other_manager)), [])

    def test_it_groups_in_sql(self):
        # One query per reason (email, phone, external id), whatever the number of customers.
        with self.assertNumQueries(3):
            possible_duplicates()


class DuplicateReasonsTestCase(TenureTestCase):
    def setUp(self):
        new = Customer.objects.create
        self.ann = new(source="shop", external_id="17", name="Ann", email="ann@example.com",
                       phone="+380501112233")
        self.ann2 = new(source="web", external_id="w1", name="Ann 2", email="ANN@example.com",
                        phone="+380501112233")
        self.ann3 = new(source="web", external_id="17", name="Ann 3", email="ann@example.com")
        self.bob = new(source="shop", external_id="18", name="Bob")
        self.bob2 = new(source="import", external_id="18", name="Bob 2")

    def test_it_lists_a_pair_once_with_every_key_it_shares(self):
        self.assertEqual(summary(possible_duplicates()), [
            ([("email", "ann@example.com"), ("phone", "+380501112233")], "Ann", "Ann 2"),
            ([("email", "ann@example.com"), ("external_id", "17")], "Ann", "Ann 3"),
            ([("external_id", "18")], "Bob", "Bob 2"),
        ])
        self.assertEqual(count_possible_duplicates(), 3)

    def test_it_shows_every_reason_on_the_page(self):
        self.login(self.admin)
        response = self.client.get(reverse("duplicates:list"))
        self.assertContains(response, "Same email", count=2)
        self.assertContains(response, "Same phone", count=1)
        self.assertContains(response, "Same external id in another source", count=2)
        self.assertContains(response, "Compare and merge", count=3)
        self.assertContains(
            response, reverse("duplicates:compare", args=[self.bob.pk, self.bob2.pk]))


class DuplicatePagesTestCase(TenureTestCase):
    def setUp(self):
        new = Customer.objects.create
        self.ann = new(name="Ann", email="ann@example.com", manager=self.manager)
        self.ann2 = new(name="Ann Two", email="ANN@example.com", manager=self.other_manager)
        self.ann3 = new(name="Ann Three", email="ann@example.com", manager=self.manager)
        self.url = reverse("duplicates:list")

    def test_it_lists_the_groups_with_their_key_and_links(self):
        self.login(self.admin)
        response = self.client.get(self.url)
        self.assertContains(response, "ann@example.com")
        self.assertContains(response, reverse("customers:detail", args=[self.ann2.pk]))
        for other in (self.ann2, self.ann3):
            self.assertContains(
                response, reverse("duplicates:compare", args=[self.ann.pk, other.pk])
            )
        self.assertContains(response, "Compare and merge", count=2)

    def test_it_shows_a_sales_manager_only_their_customers(self):
        self.login(self.manager)
        response = self.client.get(self.url)
        self.assertContains(response, "Ann Three")
        self.assertNotContains(response, "Ann Two")
        self.assertContains(response, "Compare and merge", count=1)

    def test_it_says_when_there_are_none(self):
        self.login(self.other_manager)
        response = self.client.get(self.url)
        self.assertContains(response, "No possible duplicates")
        self.assertNotContains(response, "Ann Two")

    def test_it_forbids_a_user_without_a_role(self):
        self.login(self.nobody)
        self.assertEqual(self.client.get(self.url).status_code, 403)

    def test_it_asks_a_visitor_to_sign_in(self):
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("login"), response["Location"])


class DuplicatesCommandTestCase(TenureTestCase):
    def setUp(self):
        self.ann = Customer.objects.create(name="Ann", email="ann@example.com")
        self.ann2 = Customer.objects.create(name="Ann Two", email="Ann@Example.com")

    def run_command(self, *args) -> str:
        out = StringIO()
        call_command("duplicates", *args, stdout=out)
        return out.getvalue()

    def test_it_prints_the_pairs(self):
        lines = self.run_command().splitlines()
        self.assertEqual(lines[1].split(), [
            "Same", "email", "ann@example.com", f"#{self.ann.pk}", "Ann,", f"#{self.ann2.pk}",
            "Ann", "Two",
        ])
        self.assertEqual(lines[-1], "1 pair of possible duplicates")

    def test_it_merges_and_undoes(self):
        out = self.run_command("--merge", str(self.ann.pk), str(self.ann2.pk))
        merge = CustomerMerge.objects.get()
        self.assertIn(f"Merged #{self.ann2.pk} Ann Two into #{self.ann.pk} Ann", out)
        self.assertFalse(Customer.objects.filter(pk=self.ann2.pk).exists())
        self.run_command("--undo", str(merge.pk))
        self.assertEqual(Customer.objects.get(pk=self.ann2.pk).name, "Ann Two")

    def test_it_fails_with_status_1_on_an_unknown_customer(self):
        with self.assertRaises(CommandError) as caught:
            self.run_command("--merge", str(self.ann.pk), "999999")
        self.assertEqual(caught.exception.returncode, 1)

    def test_it_fails_with_status_2_on_bad_usage(self):
        with self.assertRaises(CommandError) as caught:
            self.run_command("--merge", "1", "2", "--undo", "1")
        self.assertEqual(caught.exception.returncode, 2)
