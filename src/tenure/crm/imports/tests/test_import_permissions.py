"""An import needs the rights of what it writes, checked wherever it runs with a user."""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from tenure.crm.accounts.models import Role
from tenure.crm.catalog.models import Product
from tenure.crm.customers.models import ConsentChange, Customer
from tenure.crm.imports.models import ImportKind, ImportRun
from tenure.crm.imports.permissions import (
    ImportNotAllowed,
    allowed_kinds,
    required_permissions,
)
from tenure.crm.imports.running import run_import
from tenure.crm.testing import TenureTestCase, make_user

from .files import TempFiles

# The file: it renames Bob's customer, hands her to Carol and grants email consent.
HOSTILE = "external_id,name,manager,consent_email\nc1,Renamed,carol,yes\n"
FILES = {
    ImportKind.CUSTOMERS: "external_id,name\nc1,Olena\n",
    ImportKind.PRODUCTS: "sku,name\nS1,Tea\n",
    ImportKind.ORDERS: "customer,date,amount\nc1,2024-01-01,10\n",
    ImportKind.ORDER_LINES: "order_id,customer,date,product,quantity,price\n"
                            "O1,c1,2024-01-01,S1,1,10\n",
    ImportKind.INTERACTIONS: "external_id,customer,kind,occurred_at\ni1,c1,call,2024-01-01\n",
    ImportKind.COMPLAINTS: "external_id,customer,category,opened_at\nk1,c1,delivery,2024-01-01\n",
}


def user_with(username: str, *perms: str, roles=()):
    """Create a user holding exactly ``perms`` ("app.codename") and ``roles``."""
    user = make_user(username, *roles)
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return type(user).objects.get(pk=user.pk)  # a fresh copy: no cached permissions


class ImportPermissionsTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.olena = Customer.objects.create(name="Olena", manager=cls.manager, source="import",
                                            external_id="c1")

    def setUp(self):
        self.files = TempFiles(self)

    def run_file(self, kind: str, content: str, user, **options):
        return run_import(kind, self.files.text(f"{kind}.csv", content), user=user, **options)

    def test_it_refuses_the_analysts_and_the_marketers_customers_file(self):
        for persona in (self.analyst, self.marketer, self.support, self.nobody):
            with self.subTest(persona.username):
                with self.assertRaises(ImportNotAllowed):
                    self.run_file("customers", HOSTILE, persona)
        self.olena.refresh_from_db()
        self.assertEqual((self.olena.name, self.olena.manager, self.olena.consent_email),
                         ("Olena", self.manager, False))
        self.assertFalse(ConsentChange.objects.exists())

    def test_it_records_the_refused_run_with_its_reason(self):
        with self.assertRaises(ImportNotAllowed):
            self.run_file("customers", HOSTILE, self.analyst)
        run = ImportRun.objects.get()
        self.assertEqual((run.user, run.inserted, run.updated), (self.analyst, 0, 0))
        self.assertEqual(run.error, "You may not import customers: it needs the rights to add "
                                    "imports, add customers, change customers, which your role "
                                    "does not give.")

    def test_only_the_administrator_role_imports_anything(self):
        for name in ("admin", "manager", "other_manager", "marketer", "support", "analyst",
                     "nobody"):
            with self.subTest(name):
                expected = ImportKind.values if name == "admin" else []
                self.assertEqual(allowed_kinds(getattr(self, name)), expected)

    def test_each_kind_needs_exactly_the_rights_of_what_it_writes(self):
        for kind, content in FILES.items():
            needed = required_permissions(kind)
            with self.subTest(kind=kind, rights="all"):
                user = user_with(f"all-{kind}", *needed)
                self.run_file(kind, content, user)  # not refused
            for missing in needed:
                with self.subTest(kind=kind, missing=missing):
                    user = user_with(f"no-{missing}-{kind}", *(p for p in needed if p != missing))
                    with self.assertRaises(ImportNotAllowed):
                        self.run_file(kind, content, user)

    def test_the_kinds_rights_do_not_reach_other_kinds(self):
        products_only = user_with("catalogue", *required_permissions("products"))
        self.assertEqual(allowed_kinds(products_only), ["products"])
        self.run_file("products", FILES["products"], products_only)
        self.assertTrue(Product.objects.filter(sku="S1").exists())
        with self.assertRaises(ImportNotAllowed):
            self.run_file("customers", FILES["customers"], products_only)

    def test_consent_columns_need_the_right_to_record_consent(self):
        user = user_with("editor", *required_permissions("customers"))
        self.run_file("customers", "external_id,name\nc1,Olena K\n", user)
        with self.assertRaisesMessage(ImportNotAllowed, "add consent changes"):
            self.run_file("customers", "external_id,consent_sms\nc1,no\n", user)
        self.olena.refresh_from_db()
        self.assertEqual(self.olena.name, "Olena K")
        self.assertFalse(ConsentChange.objects.exists())
        self.assertEqual(required_permissions("customers", {"Email ok": "consent_email"}),
                         [*required_permissions("customers"), "customers.add_consentchange"])

    def test_tags_categories_and_returns_need_their_own_rights(self):
        cases = [("customers", "external_id,tags\nc1,vip\n", "add tags"),
                 ("products", "sku,category\nS1,Tea\n", "add categories"),
                 ("order-lines", "order_id,customer,date,product,quantity,price,type\n"
                                 "O1,c1,2024-01-01,S1,1,10,sale\n", "add returns")]
        for kind, content, right in cases:
            with self.subTest(kind):
                user = user_with(f"u-{kind}", *required_permissions(kind))
                with self.assertRaisesMessage(ImportNotAllowed, right):
                    self.run_file(kind, content, user)

    def test_a_sales_manager_may_not_import_even_with_the_rights(self):
        bob = user_with("bobby", *required_permissions("customers"),
                        roles=[Role.SALES_MANAGER])
        with self.assertRaisesMessage(ImportNotAllowed, "only with your own customers"):
            self.run_file("customers", "external_id,name\nc1,Mine now\n", bob)
        self.olena.refresh_from_db()
        self.assertEqual(self.olena.name, "Olena")

    def test_the_command_line_runs_as_the_operator(self):
        self.run_file("customers", "external_id,name\nc1,By the operator\n", None)
        self.olena.refresh_from_db()
        self.assertEqual(self.olena.name, "By the operator")


class UploadPermissionsTestCase(TenureTestCase):
    def upload(self, kind: str, content: str = "external_id,name\nc1,Olena\n"):
        return self.client.post("/import/", {
            "kind": kind, "source": "import",
            "file": SimpleUploadedFile("f.csv", content.encode(), content_type="text/csv")})

    def test_it_offers_only_the_kinds_the_user_may_import(self):
        user = user_with("catalogue", *required_permissions("products"))
        self.login(user)
        r = self.client.get("/import/")
        self.assertContains(r, '<option value="products">Products</option>', html=True)
        self.assertNotContains(r, 'value="customers"')
        r = self.upload("customers")
        self.assertContains(r, "You may not import this kind of data.")
        self.assertFalse(ImportRun.objects.exists())

    def test_it_answers_403_when_the_right_is_gone_by_the_time_the_import_runs(self):
        user = user_with("editor", *required_permissions("customers"))
        self.login(user)
        preview = self.upload("customers")["Location"]
        user.user_permissions.remove(Permission.objects.get(codename="change_customer"))
        r = self.client.post(preview, {"col0": "external_id", "col1": "name"})
        self.assertContains(r, "You may not import customers: it needs the right to change "
                               "customers", status_code=403)
        self.assertFalse(Customer.objects.exists())

    def test_it_offers_the_consent_fields_only_to_those_who_may_record_consent(self):
        self.login(self.admin)
        self.assertContains(self.client.get("/import/"), 'name="consent_source"')
        self.login(user_with("editor", *required_permissions("customers")))
        self.assertNotContains(self.client.get("/import/"), 'name="consent_source"')
