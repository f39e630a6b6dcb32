from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.urls import reverse

from tenure.crm.customers.merging import MergeError, merge_customers, undo_merge
from tenure.crm.customers.models import (
    Customer,
    CustomerAlias,
    CustomerAssignment,
    CustomerMerge,
    CustomerStats,
    Tag,
)
from tenure.crm.sales.models import Order, OrderStatus, Return
from tenure.crm.testing import TenureTestCase

UTC = dt.UTC


def at(year: int, month: int, day: int) -> dt.datetime:
    return dt.datetime(year, month, day, 12, 0, 0, 123456, tzinfo=UTC)


def fields(customer: Customer) -> dict:
    """Return every stored value of ``customer``, its tags included."""
    customer = Customer.objects.get(pk=customer.pk)
    values = {f.attname: getattr(customer, f.attname) for f in Customer._meta.concrete_fields}
    values["tags"] = set(customer.tags.values_list("name", flat=True))
    return values


class MergingTestCase(TenureTestCase):
    def setUp(self):
        self.vip = Tag.objects.create(name="vip")
        self.wholesale = Tag.objects.create(name="wholesale")
        self.kept = Customer.objects.create(
            source="shop", external_id="A1", name="Ann Smith", email="ann@example.com",
            city="Kyiv", notes="VIP since 2020", manager=self.manager,
        )
        self.removed = Customer.objects.create(
            source="shop", external_id="B7", name="Ann S.", email="ANN@example.com",
            phone="+380501112233", city="Lviv", birth_date=dt.date(1990, 5, 1),
            notes="Prefers calls", manager=self.other_manager,
        )
        self.kept.tags.add(self.vip)
        self.removed.tags.add(self.vip, self.wholesale)
        self.friend = Customer.objects.create(name="Friend", referred_by=self.removed)
        self.kept_orders = [self.order("K1", "100.00"), self.order("K2", "50.00")]
        self.removed_orders = [
            self.order("R1", "30.00", self.removed), self.order("R2", "20.00", self.removed),
            self.order("R3", "999.00", self.removed, status=OrderStatus.CANCELLED),
        ]
        Return.objects.create(
            external_id="RET1", order=self.removed_orders[0], returned_at=at(2024, 3, 2),
            amount=Decimal("5.00"),
        )
        self.kept.set_consent("email", True, source="web_form", at=at(2024, 1, 1))
        self.removed.set_consent("email", True, source="web_form", at=at(2024, 2, 1))
        self.removed.set_consent("email", False, source="survey_link", at=at(2024, 6, 1))
        self.removed.set_consent("sms", True, source="in_person", at=at(2024, 3, 1))

    def order(self, number, total, customer=None, status=OrderStatus.COMPLETED) -> Order:
        return Order.objects.create(
            external_id=number, customer=customer or self.kept, ordered_at=at(2024, 3, 1),
            total=Decimal(total), status=status,
        )

    def order_numbers(self, customer) -> list[str]:
        return sorted(Order.objects.filter(customer=customer).values_list("external_id", flat=True))

    def test_it_moves_the_orders_of_both(self):
        merge_customers(self.kept, self.removed, by=self.admin)
        kept = Customer.objects.with_order_stats("orders_count", "revenue").get(pk=self.kept.pk)
        self.assertEqual(kept.orders.count(), 5)
        # Purchases: 100 + 50 + 30 + 20 (the cancelled 999 left out), minus the 5 returned.
        self.assertEqual(kept.orders_count, 4)
        self.assertEqual(kept.revenue, Decimal("195.00"))

    def test_it_deletes_the_removed_customer(self):
        merge = merge_customers(self.kept, self.removed)
        self.assertFalse(Customer.objects.filter(pk=self.removed.pk).exists())
        self.assertEqual(merge.removed_id, self.removed.pk)
        self.assertEqual(merge.snapshot["removed"]["fields"]["external_id"], "B7")

    def test_it_moves_referrals(self):
        merge_customers(self.kept, self.removed)
        self.friend.refresh_from_db()
        self.assertEqual(self.friend.referred_by_id, self.kept.pk)

    def test_it_unites_tags(self):
        merge_customers(self.kept, self.removed)
        self.assertEqual(fields(self.kept)["tags"], {"vip", "wholesale"})

    def test_it_fills_blank_fields_only(self):
        merge_customers(self.kept, self.removed)
        kept = Customer.objects.get(pk=self.kept.pk)
        self.assertEqual(kept.name, "Ann Smith")
        self.assertEqual(kept.email, "ann@example.com")
        self.assertEqual(kept.city, "Kyiv")
        self.assertEqual(kept.manager, self.manager)
        self.assertEqual(kept.phone, "+380501112233")
        self.assertEqual(kept.birth_date, dt.date(1990, 5, 1))
        self.assertEqual(kept.external_id, "A1")
        self.assertEqual(kept.notes, "VIP since 2020\n\nPrefers calls")

    def test_it_keeps_consent_history_and_takes_the_latest_change(self):
        merge_customers(self.kept, self.removed)
        kept = Customer.objects.get(pk=self.kept.pk)
        self.assertEqual(kept.consent_changes.count(), 4)
        # Email: granted on kept 2024-01-01, withdrawn on removed 2024-06-01 -> withdrawn.
        self.assertFalse(kept.consent_email)
        self.assertTrue(kept.consent_sms)
        self.assertFalse(kept.consent_phone)
        self.assertFalse(kept.consent_messenger)

    def test_it_records_the_kept_fields_it_changed(self):
        merge = merge_customers(self.kept, self.removed)
        self.assertEqual(merge.snapshot["kept_changes"], {
            "phone": "", "birth_date": None, "notes": "VIP since 2020", "consent_sms": False,
            "consent_email": True,
        })
        self.assertEqual(merge.snapshot["kept_tags"], [self.vip.pk])

    def test_it_records_every_relation_with_rows(self):
        earlier = CustomerMerge.objects.create(kept=self.removed, removed_id=999, snapshot={})
        consents = sorted(self.removed.consent_changes.values_list("pk", flat=True))
        expected = {}
        for rel in Customer._meta.related_objects:
            rows = rel.related_model._base_manager.filter(**{rel.field.name: self.removed})
            # The purchase figures are computed again, not moved; each record keeps its own
            # history of managers.
            if rows.exists() and rel.related_model not in (CustomerStats, CustomerAssignment):
                key = f"{rel.related_model._meta.label_lower}.{rel.field.name}"
                expected[key] = sorted(rows.values_list("pk", flat=True))
        merge = merge_customers(self.kept, self.removed)
        self.assertEqual(merge.snapshot["moved"], expected)
        self.assertEqual(expected, {
            "sales.order.customer": sorted(o.pk for o in self.removed_orders),
            "customers.consentchange.customer": consents,
            "customers.customer.referred_by": [self.friend.pk],
            "customers.customermerge.kept": [earlier.pk],
        })

    def test_it_leaves_the_removed_id_as_an_alias_of_the_kept_customer(self):
        CustomerAlias.objects.create(source="web", external_id="w-9", customer=self.removed)

        merge_customers(self.kept, self.removed)

        self.assertEqual(
            sorted(CustomerAlias.objects.values_list("source", "external_id", "customer")),
            [("shop", "B7", self.kept.pk), ("web", "w-9", self.kept.pk)],
        )

    def test_it_removes_the_alias_on_undo_and_gives_the_others_back(self):
        CustomerAlias.objects.create(source="web", external_id="w-9", customer=self.removed)
        merge = merge_customers(self.kept, self.removed)

        undo_merge(merge)

        self.assertEqual(
            sorted(CustomerAlias.objects.values_list("source", "external_id", "customer")),
            [("web", "w-9", self.removed.pk)],
        )

    def test_it_leaves_no_alias_for_a_customer_without_an_external_id(self):
        merge_customers(self.kept, self.friend)
        self.assertFalse(CustomerAlias.objects.exists())

    def test_it_refuses_to_merge_a_customer_with_themselves(self):
        with self.assertRaises(MergeError):
            merge_customers(self.kept, self.kept)

    def test_it_undoes_a_merge_exactly(self):
        kept_before, removed_before = fields(self.kept), fields(self.removed)
        merge = merge_customers(self.kept, self.removed, by=self.admin)
        undo_merge(merge, by=self.other_manager)
        kept_after, removed_after = fields(self.kept), fields(self.removed)
        del kept_before["updated_at"], kept_after["updated_at"]
        self.assertEqual(kept_after, kept_before)
        self.assertEqual(removed_after, removed_before)
        self.assertEqual(self.order_numbers(self.removed), ["R1", "R2", "R3"])
        self.assertEqual(self.order_numbers(self.kept), ["K1", "K2"])
        self.assertEqual(self.removed.consent_changes.count(), 3)
        self.assertEqual(self.kept.consent_changes.count(), 1)
        self.friend.refresh_from_db()
        self.assertEqual(self.friend.referred_by_id, self.removed.pk)
        merge.refresh_from_db()
        self.assertIsNotNone(merge.undone_at)
        self.assertEqual(merge.undone_by, self.other_manager)

    def history(self, customer) -> list[tuple]:
        return list(CustomerAssignment.objects.filter(customer_id=customer.pk).order_by("pk")
                    .values_list("manager__username", "ended_at", "assigned_by__username"))

    def test_each_record_keeps_its_history_of_managers_through_a_merge_and_its_undo(self):
        removed_rows = list(self.removed.assignments.values())
        self.assertEqual(self.history(self.kept), [("bob", None, None)])
        merge = merge_customers(self.kept, self.removed, by=self.admin)
        # Kept's own history stays as it was; the removed record's goes with it.
        self.assertEqual(self.history(self.kept), [("bob", None, None)])
        self.assertFalse(CustomerAssignment.objects.filter(customer_id=self.removed.pk).exists())
        undo_merge(merge, by=self.admin)
        self.assertEqual(list(self.removed.assignments.values()), removed_rows)
        self.assertEqual(self.history(self.kept), [("bob", None, None)])

    def test_a_manager_the_merge_fills_in_starts_with_it_and_ends_with_its_undo(self):
        Customer.objects.filter(pk=self.kept.pk).update(manager=None)
        CustomerAssignment.objects.filter(customer=self.kept).delete()
        merge = merge_customers(self.kept, self.removed, by=self.admin)
        self.assertEqual(Customer.objects.get(pk=self.kept.pk).manager, self.other_manager)
        self.assertEqual(self.history(self.kept), [("carol", None, "alice")])
        undo_merge(merge, by=self.analyst)
        self.assertIsNone(Customer.objects.get(pk=self.kept.pk).manager)
        [(manager, ended, by)] = self.history(self.kept)
        self.assertEqual((manager, by), ("carol", "alice"))
        self.assertIsNotNone(ended)
        self.assertEqual(self.history(self.removed), [("carol", None, None)])

    def test_it_keeps_tags_added_after_the_merge_on_undo(self):
        merge = merge_customers(self.kept, self.removed)
        late = Tag.objects.create(name="late")
        Customer.objects.get(pk=self.kept.pk).tags.add(late)
        undo_merge(merge)
        self.assertEqual(fields(self.kept)["tags"], {"vip", "late"})

    def test_it_refuses_a_second_undo(self):
        merge = merge_customers(self.kept, self.removed)
        undo_merge(merge)
        with self.assertRaisesMessage(MergeError, "already undone"):
            undo_merge(merge)
        self.assertEqual(Customer.objects.filter(pk=self.removed.pk).count(), 1)

    def test_it_unsets_a_referral_of_the_kept_by_the_removed(self):
        self.kept.referred_by = self.removed
        self.kept.save()
        merge = merge_customers(self.kept, self.removed)
        self.assertIsNone(Customer.objects.get(pk=self.kept.pk).referred_by_id)
        undo_merge(merge)
        self.assertEqual(Customer.objects.get(pk=self.kept.pk).referred_by_id, self.removed.pk)


class MergePagesTestCase(TenureTestCase):
    def setUp(self):
        self.first = Customer.objects.create(name="Ann", email="ann@example.com",
                                             manager=self.manager)
        self.second = Customer.objects.create(name="Ann Two", email="ANN@example.com",
                                              phone="+380501112233", manager=self.manager)
        for number, total, customer in [("F1", "100.00", self.first), ("F2", "50.00", self.first),
                                        ("S1", "30.25", self.second)]:
            Order.objects.create(external_id=number, customer=customer,
                                 ordered_at=at(2024, 3, 1), total=Decimal(total))
        self.url = reverse("duplicates:compare", args=[self.first.pk, self.second.pk])

    def merge(self, user, keep):
        self.login(user)
        return self.client.post(self.url, {"keep": keep.pk})

    def test_it_shows_both_profiles_with_orders_and_revenue(self):
        self.login(self.admin)
        response = self.client.get(self.url)
        self.assertContains(response, '<dd class="orders">2</dd>', html=True)
        self.assertContains(response, '<dd class="revenue">$150.00</dd>', html=True)
        self.assertContains(response, '<dd class="orders">1</dd>', html=True)
        self.assertContains(response, '<dd class="revenue">$30.25</dd>', html=True)
        self.assertContains(response, "+380501112233")
        self.assertContains(response, 'name="keep"', count=2)

    def test_it_shows_no_merge_form_to_a_marketer(self):
        self.login(self.marketer)
        response = self.client.get(self.url)
        self.assertContains(response, "Ann Two")
        self.assertNotContains(response, 'name="keep"')

    def test_it_hides_customers_of_another_manager(self):
        self.login(self.other_manager)
        self.assertEqual(self.client.get(self.url).status_code, 404)

    def test_it_merges_into_the_chosen_customer(self):
        response = self.merge(self.admin, keep=self.second)
        self.assertRedirects(response, reverse("customers:detail", args=[self.second.pk]),
                             fetch_redirect_response=False)
        self.assertFalse(Customer.objects.filter(pk=self.first.pk).exists())
        self.assertEqual(self.second.orders.count(), 3)
        merge = CustomerMerge.objects.get()
        self.assertEqual((merge.kept, merge.removed_id, merge.merged_by),
                         (self.second, self.first.pk, self.admin))
        messages = [str(m) for m in response.wsgi_request._messages]
        self.assertEqual(messages, [
            "Ann was merged into Ann Two. The merge can be undone from the merge history."
        ])

    def test_it_forbids_a_sales_manager_and_a_marketer_to_merge(self):
        for user in (self.manager, self.marketer):
            self.assertEqual(self.merge(user, keep=self.first).status_code, 403)
        self.assertEqual(Customer.objects.filter(pk__in=[self.first.pk, self.second.pk]).count(), 2)
        self.assertFalse(CustomerMerge.objects.exists())

    def test_it_rejects_a_customer_not_in_the_pair(self):
        other = Customer.objects.create(name="Zed")
        response = self.merge(self.admin, keep=other)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(Customer.objects.count(), 3)


class MergeHistoryPagesTestCase(TenureTestCase):
    def setUp(self):
        self.kept = Customer.objects.create(name="Ann", email="ann@example.com")
        self.removed = Customer.objects.create(name="Ann Two", email="ann@example.com",
                                               external_id="B7")
        Order.objects.create(external_id="R1", customer=self.removed, ordered_at=at(2024, 3, 1),
                             total=Decimal("10.00"))
        self.merge = merge_customers(self.kept, self.removed, by=self.admin)
        self.undo_url = reverse("duplicates:undo", args=[self.merge.pk])

    def test_it_lists_merges_with_an_undo_form(self):
        self.login(self.admin)
        response = self.client.get(reverse("duplicates:history"))
        self.assertContains(response, "Ann Two")
        self.assertContains(response, "B7")
        self.assertContains(response, '<td class="num">1</td>', html=True)
        self.assertContains(response, f'action="{self.undo_url}"')

    def test_it_lists_a_merge_made_by_the_duplicates_command(self):
        # `tenure duplicates --merge` records no user: the page says so instead of failing.
        CustomerMerge.objects.filter(pk=self.merge.pk).update(merged_by=None)
        self.login(self.admin)
        response = self.client.get(reverse("duplicates:history"))
        self.assertContains(response, "<td>—</td>", html=True)

    def test_it_shows_no_undo_form_to_a_marketer(self):
        self.login(self.marketer)
        response = self.client.get(reverse("duplicates:history"))
        self.assertContains(response, "Ann Two")
        self.assertNotContains(response, self.undo_url)

    def test_it_undoes_a_merge(self):
        self.login(self.admin)
        response = self.client.post(self.undo_url)
        self.assertRedirects(response, reverse("duplicates:history"))
        restored = Customer.objects.get(pk=self.removed.pk)
        self.assertEqual(restored.orders.get().external_id, "R1")
        self.merge.refresh_from_db()
        self.assertEqual(self.merge.undone_by, self.admin)

    def test_it_reports_a_second_undo(self):
        self.login(self.admin)
        self.client.post(self.undo_url)
        response = self.client.post(self.undo_url, follow=True)
        self.assertContains(response, "This merge was already undone.")
        self.assertEqual(Customer.objects.filter(pk=self.removed.pk).count(), 1)

    def test_it_forbids_a_sales_manager_and_a_marketer_to_undo(self):
        for user in (self.manager, self.marketer):
            self.login(user)
            self.assertEqual(self.client.post(self.undo_url).status_code, 403)
        self.assertFalse(Customer.objects.filter(pk=self.removed.pk).exists())

    def test_it_undoes_only_on_post(self):
        self.login(self.admin)
        self.assertEqual(self.client.get(self.undo_url).status_code, 405)


class MergeOrderTestCase(TenureTestCase):
    def setUp(self):
        self.kept = Customer.objects.create(name="Kept")
        self.first = Customer.objects.create(name="First", city="Kyiv")
        self.second = Customer.objects.create(name="Second", city="Lviv")

    def test_it_undoes_merges_last_first(self):
        first_merge = merge_customers(self.kept, self.first)
        second_merge = merge_customers(self.kept, self.second)
        with self.assertRaisesMessage(MergeError, f"first (#{second_merge.pk})"):
            undo_merge(first_merge)
        undo_merge(second_merge)
        undo_merge(first_merge)
        self.assertEqual(Customer.objects.get(pk=self.kept.pk).city, "")
        self.assertEqual(Customer.objects.get(pk=self.first.pk).city, "Kyiv")

    def test_it_waits_for_the_merge_of_the_kept_customer_to_be_undone(self):
        first_merge = merge_customers(self.kept, self.first)
        outer = merge_customers(self.second, self.kept)
        first_merge.refresh_from_db()
        self.assertEqual(first_merge.kept, self.second)
        with self.assertRaises(MergeError):
            undo_merge(first_merge)
        undo_merge(outer)
        undo_merge(first_merge)
        self.assertEqual(
            sorted(Customer.objects.values_list("name", "city")),
            [("First", "Kyiv"), ("Kept", ""), ("Second", "Lviv")],
        )
