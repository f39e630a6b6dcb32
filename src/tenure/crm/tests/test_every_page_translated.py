"""Every staff page of a demo shop, rendered in Russian and in Ukrainian: no English left.

The pages are found by following the links of the app from its home page, as a user
would, signed in as an administrator and as a sales manager: one page of each kind (one
customer, one order...), each with the filters and tabs its links offer. Their text, and
the words a screen reader or a tooltip shows (``title``, ``aria-label``, ``placeholder``,
``alt``, the ``value`` of buttons), is searched for English: two Latin words in a row, or
one word that is an English phrase of our own catalogues ("Export", "Save"). Names of
things that are not translated (RFM, CSV, BG/NBD...) are listed in ``UNTRANSLATED``.
"""

from __future__ import annotations

import re
from collections import deque
from datetime import date
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from babel.messages.pofile import read_po
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import models
from django.urls import Resolver404, resolve, reverse

import tenure
from tenure.crm.accounts.models import User
from tenure.crm.customers import bulk
from tenure.crm.customers.models import Customer
from tenure.crm.testing import TenureTestCase

# What the demo shop's predictions and pages are like does not depend on the database.
pytestmark = pytest.mark.any_database

LANGUAGES = ("ru", "uk")
#: Words and names shown as they are in every language.
UNTRANSLATED = {
    "Tenure", "CSV", "XLSX", "Excel", "RFM", "ABC", "XYZ", "CLV", "NPS", "CSAT", "CES", "SMS",
    "BG/NBD", "MBG/NBD", "Pareto/NBD", "Gamma-Gamma", "BG/BB", "ROC", "AUC", "PR", "Brier",
    "Spearman", "ID", "E.164", "UTC", "Telegram", "Viber", "WhatsApp", "Email", "email",
    "iCalendar", "ICS", "LightGBM", "SHAP", "TOTP", "QR", "URL", "API", "HTML", "JSON",
    "N", "V", "L", "k", "p", "x", "t_x", "T", "AM", "PM",
    # The language switcher names each language in itself; authenticator apps by name.
    "English", "FreeOTP", "Aegis", "Google", "Authenticator",
    "AutoETS", "AutoARIMA", "Naive",
}
#: Pages not crawled: downloads, signing out, the admin (Django's own) and public pages.
SKIPPED = re.compile(r"^/(admin/|static/|accounts/logout|s/|i18n/)|[?&]format=|\.(csv|xlsx|ics)\b")
ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")
# A word of Latin letters standing alone ("1Password" and "x2" are not words).
WORD = r"(?<![\w])[A-Za-z][A-Za-z'’-]*(?![\w])"
ENGLISH_RUN = re.compile(rf"{WORD}(?:[ ,:]+{WORD})+")


class _Page(HTMLParser):
    """The visible text, the labelled attributes and the links of an HTML page."""

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("script", "style", "template"):
            self._hidden += 1
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        self.texts += [attributes[a] for a in ATTRIBUTES if attributes.get(a)]
        if tag == "input" and attributes.get("type") in ("submit", "button"):
            self.texts.append(attributes.get("value") or "")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.texts.append(data.strip())


def english_phrases() -> set[str]:
    """Return our catalogues' English phrases of one word ("Export", "Customers")."""
    words = set()
    for path in _catalogues():
        with path.open("rb") as handle:
            ids = [m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle)]
        words.update(i for i in ids if re.fullmatch(r"[A-Z][a-z]{2,}", i)
                     and i not in UNTRANSLATED)
    return words


def _catalogues():
    base = Path(tenure.__file__).parent
    return [*base.glob("crm/locale/ru/LC_MESSAGES/*.po"),
            *base.glob("analytics/locale/ru/LC_MESSAGES/*.po")]


def data_words() -> set[str]:
    """Return the Latin words of the shop's own data (names, products, notes...): shown as
    they were written, in any language."""
    words: set[str] = set()
    for model in apps.get_models():
        fields = [f.attname for f in model._meta.concrete_fields
                  if isinstance(f, models.CharField | models.TextField)]
        for row in model.objects.values_list(*fields) if fields else ():
            for value in row:
                if value:  # "TP-Link": "TP-Link", and "Link" once its code is cut away
                    words.update(re.findall(WORD, str(value)))
                    words.update(re.findall(r"[A-Za-z]+", str(value)))
    return words


def english_in(texts: list[str], phrases: set[str], data: set[str]) -> list[str]:
    """Return the pieces of ``texts`` that read as English (and are not the shop's data)."""
    found = []
    for text in texts:
        # Addresses, paths and codes in capitals (a TOTP key, "NPS") are not words.
        text = re.sub(r"\S+@\S+|https?://\S+|(?<!\S)/[\w/.-]+|(?<![\w])[A-Z]{2,}(?![\w])",
                      " ", text)
        words = [w for w in re.findall(WORD, text) if w not in UNTRANSLATED | data]
        for run in ENGLISH_RUN.findall(text):
            kept = [w for w in re.findall(WORD, run) if w not in UNTRANSLATED and len(w) > 1]
            if len(kept) >= 2 and not set(kept) <= data:
                found.append(run)
        found += [w for w in words if w in phrases]
    return found


def shape(path: str) -> str:
    """Return the kind of page at ``path``: its URL name and which query keys it has."""
    split = urlsplit(path)
    try:
        match = resolve(split.path)
    except Resolver404:
        return split.path
    keys = sorted({part.split("=")[0] for part in split.query.split("&") if part}
                  - {"page", "before", "sort", "q"})
    return f"{match.view_name}?{'&'.join(keys)}"


# Building the shop and its insights takes a minute or two (more the first time, while
# the forecasting library compiles its models).
@pytest.mark.timeout(900)
class EveryPageTranslatedTestCase(TenureTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        call_command("demo_data", stdout=StringIO(), no_progress=True, customers=150, seed=1,
                     end_date=date(2025, 6, 30))
        call_command("insights", "refresh", "--as-of", "2025-06-30", "--no-progress",
                     stdout=StringIO(), stderr=StringIO())

    def crawl(self, user: User, language: str) -> dict[str, list[str]]:
        """Visit one page of each kind reachable from home; return page -> English found."""
        self.client.force_login(user)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        phrases, data = english_phrases(), data_words()
        seen, queue, found = set(), deque(["/"]), {}
        while queue:
            path = queue.popleft()
            response = self.client.get(path)
            self.assertLess(response.status_code, 500, path)
            if response.status_code in (301, 302):
                target = urljoin(path, response["Location"])
                if urlsplit(target).netloc == "" and shape(target) not in seen:
                    seen.add(shape(target))
                    queue.append(target)
                continue
            if "html" not in response.get("Content-Type", ""):
                continue
            page = _Page()
            page.feed(response.content.decode())
            english = english_in(page.texts, phrases, data)
            if english:
                found[path] = sorted(set(english))
            for link in page.links:
                target = urljoin(path, link)
                split = urlsplit(target)
                if split.netloc or split.scheme or SKIPPED.search(target):
                    continue
                kind = shape(target)
                if kind not in seen:
                    seen.add(kind)
                    queue.append(target)
        self.assertGreater(len(seen), 20)  # the crawl reached the app, not only the home page
        return found

    def english_on(self, response) -> list[str]:
        self.assertLess(response.status_code, 500, response.wsgi_request.path)
        page = _Page()
        page.feed(response.content.decode())
        return sorted(set(english_in(page.texts, english_phrases(), data_words())))

    def form_pages(self, user: User, language: str) -> dict[str, list[str]]:
        """Post the forms no link reaches (a bulk action's confirmation, a form sent empty,
        an upload's mapping and progress); return page -> English found."""
        self.client.force_login(user)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        customer = Customer.objects.order_by("pk").first()
        posts = []
        for action in bulk.actions_for(user):
            chosen = {"action": action.name, "ids": [customer.pk], "next": "/customers/"}
            posts += [(f"bulk {action.name}", reverse("customers:bulk"), chosen),
                      (f"bulk {action.name}, sent empty", reverse("customers:bulk"),
                       {**chosen, "confirm": "1"})]
        posts += [(name, reverse(url, args=args), {}) for name, url, args in (
            ("new customer", "customers:new", ()), ("new order", "sales:order_new", ()),
            ("new survey", "feedback:survey_new", ()),
            ("plan an activity", "engagement:plan_activity", (customer.pk,)),
            ("register a complaint", "engagement:register_complaint", (customer.pk,)))]
        found = {}
        for name, url, data in posts:
            english = self.english_on(self.client.post(url, data))
            if english:
                found[name] = english
        upload = SimpleUploadedFile("people.csv", b"id,name,mail\nU1,Ann,ann@example.com\n")
        preview = self.client.post(reverse("imports:upload"), {
            "kind": "customers", "file": upload, "source": "upload"}, follow=True)
        clash = self.client.post(preview.wsgi_request.path,
                                 {"col0": "external_id", "col1": "name", "col2": "name"})
        queued = self.client.post(preview.wsgi_request.path,
                                  {"col0": "external_id", "col1": "name", "col2": "email"},
                                  follow=True)
        for name, response in (("import preview", preview), ("import mapping refused", clash),
                               ("import queued", queued)):
            english = self.english_on(response)
            if english:
                found[name] = english
        # Each step reached the page it tests, not an error page with little text.
        self.assertIn("/preview/", preview.wsgi_request.path)
        self.assertTrue(clash.context["form"].non_field_errors())
        self.assertEqual(resolve(queued.wsgi_request.path).view_name, "imports:detail")
        return found

    def test_no_english_on_any_page_an_administrator_sees(self):
        for language in LANGUAGES:
            with self.subTest(language=language):
                self.assertEqual(self.crawl(self.admin, language), {})

    def test_no_english_on_the_pages_forms_lead_to(self):
        for language in LANGUAGES:
            with self.subTest(language=language):
                self.assertEqual(self.form_pages(self.admin, language), {})

    def test_no_english_on_any_page_a_sales_manager_sees(self):
        manager = User.objects.filter(username="manager1").first() or self.manager
        for language in LANGUAGES:
            with self.subTest(language=language):
                self.assertEqual(self.crawl(manager, language), {})
