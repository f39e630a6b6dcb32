from __future__ import annotations

import re
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tenure.crm.accounts.models import Role
from tenure.crm.imports.models import ImportRun
from tenure.crm.sales.models import Order
from tenure.crm.testing import TenureTestCase, make_user

CSV = (
    "Клиент;Дата;paid_sum;Comment\n"
    "c1;05.03.2024;10,50;first\n"
    "c2;06.03.2024;20;second\n"
    "c3;not a date;30;third\n"
).encode("cp1251")


class Uploading:
    """Upload ``CSV`` through the page; return the preview's address."""

    def upload(self, content=CSV, kind="orders"):
        response = self.client.post(reverse("imports:upload"), {
            "kind": kind, "source": "shop",
            "file": SimpleUploadedFile("orders.csv", content, content_type="text/csv"),
        })
        self.assertEqual(response.status_code, 302)
        return response["Location"]


class UploadPageTestCase(Uploading, TenureTestCase):
    def selected(self, html: str, column: int) -> str:
        select = re.search(rf'<select name="col{column}"[^>]*>(.*?)</select>', html, re.S).group(1)
        found = re.search(r'<option value="([^"]*)" selected>', select)
        return found.group(1) if found else ""

    def test_it_refuses_people_who_may_not_import(self):
        for persona in (self.manager, self.support, self.marketer, self.analyst, self.nobody):
            with self.subTest(persona.username):
                self.login(persona)
                self.assertEqual(self.client.get(reverse("imports:upload")).status_code, 403)
                response = self.client.post(reverse("imports:upload"), {"kind": "orders"})
                self.assertEqual(response.status_code, 403)

    def test_it_sends_anonymous_visitors_to_sign_in(self):
        response = self.client.get(reverse("imports:upload"))

        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("login"), response["Location"])

    def test_it_shows_the_form_and_past_imports_to_those_who_may_import(self):
        ImportRun.objects.create(kind="orders", file_name="earlier.csv", source="import",
                                 rows=7, inserted=5, rejected=2)
        for persona in (self.admin,):
            with self.subTest(persona.username):
                self.login(persona)
                response = self.client.get(reverse("imports:upload"))
                self.assertContains(response, 'type="file"')
                self.assertContains(response, "earlier.csv")

    def test_it_previews_the_first_rows_with_the_automatic_mapping(self):
        self.login(self.admin)

        response = self.client.get(self.upload())

        html = response.content.decode()
        self.assertContains(response, "<td>05.03.2024</td>", html=False)
        self.assertContains(response, "<td>10,50</td>", html=False)
        self.assertContains(response, "<td>not a date</td>", html=False)
        self.assertEqual([self.selected(html, i) for i in range(4)],
                         ["customer", "date", "", ""])
        self.assertEqual(Order.objects.count(), 0)

    def test_it_runs_the_import_with_the_mapping_chosen_on_the_page(self):
        self.login(self.admin)
        preview = self.upload()

        response = self.client.post(preview, {"col0": "customer", "col1": "date",
                                              "col2": "amount", "col3": ""})

        run = ImportRun.objects.get()
        self.assertRedirects(response, reverse("imports:detail", args=[run.pk]))
        self.assertEqual((run.rows, run.inserted, run.rejected, run.source, run.user),
                         (3, 2, 1, "shop", self.admin))
        self.assertEqual(run.mapping, {"Клиент": "customer", "Дата": "date",
                                       "paid_sum": "amount"})
        self.assertEqual(sorted(Order.objects.values_list("customer__external_id", "total")),
                         [("c1", Decimal("10.50")), ("c2", Decimal("20.00"))])
        page = self.client.get(response["Location"])
        self.assertContains(page, '<td class="num">4</td><td>Дата</td><td>not a date</td>'
                                  '<td>not a date</td>', html=False)
        download = self.client.get(reverse("imports:rejects", args=[run.pk]))
        self.assertEqual(download.status_code, 200)
        text = b"".join(download.streaming_content).decode("utf-8-sig")
        self.assertEqual(text.splitlines()[1],
                         "4,Дата,not a date,not a date,c3,not a date,30,third")

    def test_it_explains_a_missing_required_field_and_saves_nothing(self):
        self.login(self.admin)
        preview = self.upload()

        response = self.client.post(preview, {"col0": "customer", "col1": "date", "col2": "",
                                              "col3": ""})

        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "no column for the required field(s) amount")
        self.assertEqual(Order.objects.count(), 0)
        self.assertEqual(ImportRun.objects.get().inserted, 0)

    def test_it_refuses_two_columns_for_one_field(self):
        self.login(self.admin)
        preview = self.upload()

        response = self.client.post(preview, {"col0": "customer", "col1": "date",
                                              "col2": "amount", "col3": "amount"})

        self.assertContains(response, "both map to Amount")
        self.assertEqual(ImportRun.objects.count(), 0)

    def test_it_does_not_show_another_users_upload(self):
        self.login(self.admin)
        preview = self.upload()
        self.login(make_user("olga", Role.ADMINISTRATOR))

        self.assertEqual(self.client.get(preview).status_code, 404)
