"""Serving: the WSGI application and gunicorn under production settings, and the public key
refused by the WSGI application, gunicorn and runserver."""

from __future__ import annotations

import http.client
import signal
import socket
import subprocess
import sys
import time

import pytest

from .environment import GUNICORN, HOST, TENURE, production_env, run

IMPORT_WSGI = "from tenure.crm.wsgi import application; print(callable(application))"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_it_imports_the_wsgi_application_under_production_settings(tmp_path):
    result = run([sys.executable, "-c", IMPORT_WSGI], production_env(tmp_path), tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


WARMED = """
import sys
from tenure.crm.wsgi import application
from django.template import engines
cached = engines["django"].engine.template_loaders[0].get_template_cache
print("detail", "customers/detail.html" in cached, "base", "base.html" in cached)
print("heavy", sorted(m for m in ("scipy.stats", "lightgbm", "openpyxl", "icalendar")
                      if m in sys.modules))
"""


def test_the_wsgi_application_is_warm_before_its_first_request_and_light(tmp_path):
    # What the first request would do is done at start (URL map, templates); what it
    # need not do is not done at all: the heavy libraries load with the pages that use them.
    result = run([sys.executable, "-c", WARMED], production_env(tmp_path), tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["detail True base True", "heavy []"]


def test_the_wsgi_application_refuses_the_public_key(tmp_path):
    env = production_env(tmp_path, TENURE_SECRET_KEY=None)
    result = run([sys.executable, "-c", IMPORT_WSGI], env, tmp_path)
    assert result.returncode == 1
    assert "ImproperlyConfigured: Tenure will not serve requests" in result.stderr
    assert "Set TENURE_SECRET_KEY" in result.stderr


def test_the_wsgi_application_allows_the_public_key_with_debug(tmp_path):
    env = production_env(tmp_path, TENURE_SECRET_KEY=None, TENURE_DEBUG="1")
    result = run([sys.executable, "-c", IMPORT_WSGI], env, tmp_path)
    assert result.returncode == 0, result.stderr


def test_runserver_refuses_the_public_key(tmp_path):
    env = production_env(tmp_path, TENURE_SECRET_KEY=None)
    result = run([str(TENURE), "runserver", "--noreload", f"127.0.0.1:{free_port()}"], env,
                 tmp_path)
    assert result.returncode == 1
    assert "CommandError: Tenure will not serve requests" in result.stderr


def test_gunicorn_refuses_the_public_key(tmp_path):
    env = production_env(tmp_path, TENURE_SECRET_KEY=None)
    result = run([str(GUNICORN), "tenure.crm.wsgi", "--bind", f"127.0.0.1:{free_port()}",
                  "--workers", "1"], env, tmp_path, timeout=60)
    assert result.returncode != 0
    assert "TENURE_SECRET_KEY is not set" in result.stderr


@pytest.fixture
def gunicorn(tmp_path):
    """Start gunicorn as README documents it, on a free local port; yield the port."""
    env = production_env(tmp_path)
    migrated = run([str(TENURE), "migrate", "--no-input", "-v", "0"], env, tmp_path, 300)
    assert migrated.returncode == 0, migrated.stderr
    port = free_port()
    server = subprocess.Popen(
        [str(GUNICORN), "tenure.crm.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "--timeout", "300"],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and server.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        assert server.poll() is None, server.stdout.read()
        yield port
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def get(port: int, path: str, **headers: str) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers={"Host": HOST, **headers})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def test_gunicorn_serves_the_sign_in_page_behind_the_proxy(gunicorn):
    response = get(gunicorn, "/accounts/login/", **{"X-Forwarded-Proto": "https"})
    assert response.status == 200
    assert response.getheader("Strict-Transport-Security").startswith("max-age=31536000")
    assert "script-src 'self'" in response.getheader("Content-Security-Policy")
    assert "Secure" in response.getheader("Set-Cookie")
    # Plain HTTP that did not come through the TLS proxy is sent to https.
    response = get(gunicorn, "/accounts/login/")
    assert response.status == 301
    assert response.getheader("Location") == f"https://{HOST}/accounts/login/"
