"""The Content-Security-Policy: sent with every page, and no template that it would break."""

from __future__ import annotations

import re
from pathlib import Path

from django.urls import reverse

import tenure.crm
from tenure.crm.testing import TenureTestCase

CRM = Path(tenure.crm.__file__).parent
# Script elements that run code written in the page, and attributes that run code.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>",
                           re.IGNORECASE)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"javascript:", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)


def page_templates() -> list[Path]:
    """Every template of a page a browser shows; emails are read in a mail program instead."""
    return [path for path in CRM.rglob("templates/**/*.html") if "email" not in path.parts]


def test_no_page_template_runs_inline_code():
    offenders = []
    for path in page_templates():
        text = path.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, HANDLER, JAVASCRIPT_URL, STYLE_ELEMENT):
            offenders += [f"{path.relative_to(CRM)}: {m.group(0)}" for m in pattern.finditer(text)]
    assert offenders == []


def test_the_scan_finds_what_it_looks_for():
    assert INLINE_SCRIPT.search('<script>alert(1)</script>')
    assert not INLINE_SCRIPT.search('<script src="/static/x.js"></script>')
    assert not INLINE_SCRIPT.search('<script id="d" type="application/json">{}</script>')
    assert HANDLER.search('<select onchange="this.form.submit()">')
    assert not HANDLER.search('<a href="/one">')
    assert len(page_templates()) > 30


class ContentSecurityPolicyTestCase(TenureTestCase):
    def policy(self, response) -> dict[str, list[str]]:
        directives = [part.split() for part in response["Content-Security-Policy"].split(";")]
        return {words[0]: words[1:] for words in directives if words}

    def test_it_sends_the_policy_with_pages(self):
        self.login(self.admin)
        for url in [reverse("login"), reverse("customers:list"), reverse("admin:index")]:
            with self.subTest(url=url):
                policy = self.policy(self.client.get(url))
                self.assertEqual(policy["script-src"], ["'self'"])
                self.assertEqual(policy["default-src"], ["'self'"])
                self.assertEqual(policy["style-src"], ["'self'"])
                self.assertEqual(policy["frame-ancestors"], ["'none'"])
                self.assertEqual(policy["object-src"], ["'none'"])

    def test_it_sends_the_policy_with_the_public_survey_page(self):
        policy = self.policy(self.client.get("/s/no-such-token/"))
        self.assertEqual(policy["script-src"], ["'self'"])
