"""Bulk actions: many customers ticked on a list, one action, every customer or none."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from tenure.crm.customers.models import Customer, Tag
from tenure.crm.engagement.models import Activity
from tenure.crm.testing import TenureTestCase

BULK = reverse("customers:bulk")


def due(days: int = 2) -> str:
    return (timezone.localtime() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


class BulkActionTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.bobs = [Customer.objects.create(name=f"Bob's {n}", manager=cls.manager, city="Kyiv")
                    for n in range(3)]
        cls.carols = [Customer.objects.create(name=f"Carol's {n}", manager=cls.other_manager,
                                              city="Lviv") for n in range(2)]

    def post(self, action: str, customers, confirm: bool = True, **data):
        fields = {"action": action, "ids": [c.pk for c in customers], "next": "/customers/",
                  **data}
        if confirm:
            fields["confirm"] = "1"
        return self.client.post(BULK, fields)

    def test_a_sales_manager_plans_a_call_for_each_ticked_customer(self):
        self.login(self.manager)

        page = self.post("plan", self.bobs, confirm=False)
        self.assertContains(page, "For 3 customers:")
        self.assertContains(page, "Apply to 3 customers")
        done = self.post("plan", self.bobs, kind="call", subject="", due_at=due(),
                         duration_minutes=15, assignee="manager")

        self.assertRedirects(done, "/customers/", fetch_redirect_response=False)
        planned = Activity.objects.order_by("customer__name")
        self.assertEqual([(a.customer, a.assignee, a.kind) for a in planned],
                         [(c, self.manager, "call") for c in self.bobs])
        self.assertEqual(planned[0].subject, "Call Bob's 0")
        self.assertEqual([str(m) for m in done.wsgi_request._messages],
                         ["3 activities planned."])

    def test_a_selection_with_someone_elses_customer_is_refused_whole(self):
        self.login(self.manager)

        response = self.post("plan", [*self.bobs, self.carols[0]], kind="call", subject="",
                             due_at=due(), duration_minutes=15, assignee="manager")

        self.assertRedirects(response, "/customers/", fetch_redirect_response=False)
        self.assertFalse(Activity.objects.exists())
        self.assertIn("nothing was done", str(list(response.wsgi_request._messages)[0]))

    def test_a_past_time_is_a_form_error_and_nothing_is_written(self):
        self.login(self.manager)

        response = self.post("plan", self.bobs, kind="call", subject="", due_at=due(-3),
                             duration_minutes=15, assignee="me")

        self.assertContains(response, "Choose a time in the future.", status_code=400)
        self.assertFalse(Activity.objects.exists())

    def test_only_those_who_hand_customers_over_may_assign_them(self):
        # As on the customer's edit page: a sales manager works their own portfolio.
        for persona in (self.manager, self.analyst, self.nobody):
            with self.subTest(persona.username):
                self.login(persona)
                response = self.post("assign", self.bobs[:1], manager=self.other_manager.pk)
                self.assertEqual(response.status_code, 403)
        self.assertEqual(Customer.objects.filter(manager=self.other_manager).count(), 2)

        self.login(self.admin)
        response = self.post("assign", self.bobs[:2], manager=self.other_manager.pk)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(sorted(Customer.objects.filter(manager=self.other_manager)
                                .values_list("name", flat=True)),
                         ["Bob's 0", "Bob's 1", "Carol's 0", "Carol's 1"])
        self.post("assign", self.bobs[:1], manager="")
        self.assertIsNone(Customer.objects.get(pk=self.bobs[0].pk).manager)

    def test_tags_are_added_and_removed(self):
        self.login(self.manager)
        refused = self.post("add_tag", self.bobs[:2], tag="vip")
        self.assertContains(refused, "There is no tag “vip”", status_code=400)
        Tag.objects.create(name="vip")
        self.post("add_tag", self.bobs[:2], tag=" vip ")
        self.assertEqual(sorted(Tag.objects.get(name="vip").customers.values_list(
            "name", flat=True)), ["Bob's 0", "Bob's 1"])
        self.post("remove_tag", self.bobs[:1], tag="vip")
        self.assertEqual(list(Tag.objects.get(name="vip").customers.values_list(
            "name", flat=True)), ["Bob's 1"])

    def test_every_customer_the_filters_find_can_be_chosen_at_once(self):
        self.login(self.admin)

        self.client.post(BULK, {"action": "add_tag", "scope": "all", "query": "city=Lviv",
                                "tag": "west", "confirm": "1"})

        self.assertEqual(sorted(Tag.objects.get(name="west").customers.values_list(
            "name", flat=True)), ["Carol's 0", "Carol's 1"])

    def test_a_sales_managers_all_means_only_their_own(self):
        self.login(self.manager)

        Tag.objects.create(name="mine")
        self.client.post(BULK, {"action": "add_tag", "scope": "all", "query": "",
                                "tag": "mine", "confirm": "1"})

        self.assertEqual(Tag.objects.get(name="mine").customers.count(), 3)

    def test_unknown_actions_empty_selections_and_foreign_next_are_handled(self):
        self.login(self.admin)
        self.assertEqual(self.client.post(BULK, {"action": "drop_table"}).status_code, 400)
        empty = self.client.post(BULK, {"action": "add_tag", "next": "https://evil.example/"})
        self.assertRedirects(empty, "/customers/", fetch_redirect_response=False)
        junk = self.client.post(BULK, {"action": "add_tag", "ids": ["1e9", "x"]})
        self.assertEqual(junk.status_code, 302)
        huge = self.client.post(BULK, {"action": "add_tag", "ids": [str(2 ** 70)],
                                       "tag": "x", "confirm": "1"})
        self.assertEqual(huge.status_code, 302)
        self.assertFalse(Tag.objects.exists())

    def test_the_lists_offer_the_actions_the_user_may_apply(self):
        # An id of five digits is written as it is, not as "12,345" (the page's numbers are).
        big = Customer.objects.create(pk=12345, name="Bob's big", manager=self.manager)
        self.login(self.manager)
        page = self.client.get("/customers/").content.decode()
        self.assertIn(f'name="ids" value="{big.pk}" form="bulk"', page)
        self.assertIn('value="plan"', page)
        self.assertIn('value="add_tag"', page)
        self.assertNotIn('value="assign"', page)
        self.assertIn(f'name="ids" value="{self.bobs[0].pk}" form="bulk"', page)

        # The analyst only reads: they may download the ticked customers, nothing more.
        self.login(self.analyst)
        page = self.client.get("/customers/").content.decode()
        self.assertIn('value="export"', page)
        for action in ("plan", "add_tag", "remove_tag", "assign", "survey"):
            self.assertNotIn(f'value="{action}"', page)
