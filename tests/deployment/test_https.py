"""Behind a TLS proxy: the settings TENURE_HTTPS turns on, and a sign-in that gets through."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, override_settings
from django.urls import reverse

from tenure.crm.testing import PASSWORD, TenureTestCase

from .environment import HOST, production_env, settings_from

# The settings the environment decides for requests behind the proxy.
HTTPS_SETTINGS = [
    "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "SECURE_PROXY_SSL_HEADER", "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "TENURE_PROXY_COUNT",
]
DJANGO_DEFAULTS = {
    "CSRF_TRUSTED_ORIGINS": [], "SECURE_PROXY_SSL_HEADER": None, "SECURE_SSL_REDIRECT": False,
    "SESSION_COOKIE_SECURE": False, "CSRF_COOKIE_SECURE": False, "SECURE_HSTS_SECONDS": 0,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": False, "SECURE_HSTS_PRELOAD": False,
    "TENURE_PROXY_COUNT": 0,
}


def https_settings(tmp_path: Path, **env: str | None) -> dict:
    values = settings_from(production_env(tmp_path, **env))
    return {name: values.get(name, DJANGO_DEFAULTS.get(name)) for name in HTTPS_SETTINGS}


def test_it_turns_on_secure_cookies_hsts_redirect_and_the_proxy_header(tmp_path):
    values = https_settings(tmp_path)
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SECURE_SSL_REDIRECT"]
    assert values["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert values["SECURE_HSTS_SECONDS"] == 31_536_000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] and not values["SECURE_HSTS_PRELOAD"]
    assert values["CSRF_TRUSTED_ORIGINS"] == [f"https://{HOST}"]
    assert values["ALLOWED_HOSTS"] == [HOST]


def test_it_leaves_plain_http_alone_without_tenure_https(tmp_path):
    values = https_settings(tmp_path, TENURE_HTTPS=None, TENURE_CSRF_TRUSTED_ORIGINS=None)
    assert values == {**DJANGO_DEFAULTS, "ALLOWED_HOSTS": [HOST], "TENURE_PROXY_COUNT": 1}


def test_it_reads_the_hsts_time_and_every_trusted_origin(tmp_path):
    values = https_settings(
        tmp_path, TENURE_HSTS_SECONDS="600", TENURE_HSTS_INCLUDE_SUBDOMAINS="0",
        TENURE_HSTS_PRELOAD="1",
        TENURE_CSRF_TRUSTED_ORIGINS=" https://crm.example.com, https://crm.example.org ,")
    assert values["SECURE_HSTS_SECONDS"] == 600
    assert not values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] and values["SECURE_HSTS_PRELOAD"]
    assert values["CSRF_TRUSTED_ORIGINS"] == ["https://crm.example.com",
                                              "https://crm.example.org"]


def test_it_reads_the_account_settings(tmp_path):
    values = settings_from(production_env(
        tmp_path, TENURE_SESSION_HOURS="8", TENURE_SESSION_IDLE_MINUTES="20",
        TENURE_LOGIN_FAILURE_LIMIT="7", TENURE_LOGIN_COOLOFF_MINUTES="30",
        TENURE_PASSWORD_MIN_LENGTH="14"))
    assert values["SESSION_COOKIE_AGE"] == 8 * 3600
    assert values["TENURE_SESSION_IDLE_SECONDS"] == 20 * 60
    assert values["AXES_FAILURE_LIMIT"] == 7
    assert values["AXES_COOLOFF_TIME"].total_seconds() == 30 * 60
    assert values["AUTH_PASSWORD_VALIDATORS"][0]["OPTIONS"] == {"min_length": 14}


def test_it_has_safe_account_defaults(tmp_path):
    values = settings_from(production_env(tmp_path))
    assert values["SESSION_COOKIE_AGE"] == 12 * 3600
    assert values["TENURE_SESSION_IDLE_SECONDS"] == 60 * 60
    assert values["AXES_FAILURE_LIMIT"] == 5
    assert values["AXES_COOLOFF_TIME"].total_seconds() == 15 * 60


def test_it_reads_the_secret_key_from_a_file(tmp_path):
    key_file = tmp_path / "secret-key"
    key_file.write_text("k" * 60 + "\n")
    values = settings_from(production_env(tmp_path, TENURE_SECRET_KEY=None,
                                          TENURE_SECRET_KEY_FILE=str(key_file)))
    assert values["SECRET_KEY"] == "k" * 60 and not values["TENURE_SECRET_KEY_MISSING"]
    values = settings_from(production_env(tmp_path, TENURE_SECRET_KEY=None))
    assert values["TENURE_SECRET_KEY_MISSING"]


class BehindTheProxyTestCase(TenureTestCase):
    """The proxy speaks TLS to the browser and plain HTTP to gunicorn, with X-Forwarded-Proto."""

    @pytest.fixture(autouse=True)
    def _folder(self, tmp_path):
        self.folder = tmp_path

    def sign_in(self, host: str = HOST, origin: str = f"https://{HOST}", **headers):
        client = Client(enforce_csrf_checks=True)
        client.get(reverse("login"), HTTP_HOST=host, **headers)
        token = client.cookies["csrftoken"].value
        return client.post(reverse("login"), {
            "username": "bob", "password": PASSWORD, "csrfmiddlewaretoken": token,
        }, HTTP_HOST=host, HTTP_ORIGIN=origin, **headers)

    def test_it_signs_in_with_tenure_https(self):
        with override_settings(**https_settings(self.folder)):
            r = self.sign_in(HTTP_X_FORWARDED_PROTO="https")
        self.assertRedirects(r, reverse("home"), fetch_redirect_response=False)
        self.assertTrue(r.cookies["sessionid"]["secure"])

    def test_it_refused_the_sign_in_before(self):
        # Without TENURE_HTTPS the request looks like plain HTTP, the https Origin does not
        # match it, and CSRF refuses the form: the failure the issue reported.
        with override_settings(**https_settings(self.folder, TENURE_HTTPS=None,
                                                TENURE_CSRF_TRUSTED_ORIGINS=None)):
            r = self.sign_in(HTTP_X_FORWARDED_PROTO="https")
        self.assertEqual(r.status_code, 403)

    def test_it_trusts_an_origin_the_proxy_renames(self):
        # A proxy that passes on its own Host: the browser's origin is a trusted one.
        values = https_settings(self.folder, TENURE_ALLOWED_HOSTS="127.0.0.1")
        with override_settings(**values):
            r = self.sign_in(host="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
        self.assertRedirects(r, reverse("home"), fetch_redirect_response=False)
        values["CSRF_TRUSTED_ORIGINS"] = []
        with override_settings(**values):
            r = self.sign_in(host="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
        self.assertEqual(r.status_code, 403)

    def test_it_sends_plain_http_to_https(self):
        with override_settings(**https_settings(self.folder)):
            r = self.client.get(reverse("login"), HTTP_HOST=HOST)
            self.assertRedirects(r, f"https://{HOST}/accounts/login/", status_code=301,
                                 fetch_redirect_response=False)
            r = self.client.get(reverse("login"), HTTP_HOST=HOST, HTTP_X_FORWARDED_PROTO="https")
        self.assertEqual(r["Strict-Transport-Security"], "max-age=31536000; includeSubDomains")


@pytest.mark.parametrize("value", ["twelve", "-1", "0", "10" * 20])
def test_it_names_a_bad_number(tmp_path, value):
    with pytest.raises(ImproperlyConfigured, match="TENURE_SESSION_HOURS must be a whole number"):
        settings_from(production_env(tmp_path, TENURE_SESSION_HOURS=value))
