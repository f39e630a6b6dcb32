"""Shared pytest machinery: a real Chromium driven by Playwright, failure artefacts,
and a guard so a run that tested nothing can never look green.

Browser tests take the ``page`` fixture (a fresh browser context per test, pointed at
pytest-django's ``live_server``) and are marked ``browser``. Chromium is Debian's
``/usr/bin/chromium``; nothing is downloaded. Without it the browser tests are skipped
loudly on a workstation and fail when ``CI`` is set.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("TENURE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent / "test-artifacts"
VIEWPORT = {"width": 1280, "height": 800}

# Playwright's sync API runs an asyncio loop in this thread; Django then refuses
# ORM calls from "async" code unless told that this thread is really synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _on_postgresql() -> bool:
    return os.environ.get("TENURE_TEST_DATABASE_URL", "").startswith(("postgres", "postgis"))


def pytest_collection_modifyitems(config, items):
    """Run a test marked ``any_database`` on SQLite only.

    Such a test checks what does not depend on the database (a model's quality against
    the demo's truth, every page's translation, the demo builder's determinism) and costs
    a minute: CI's PostgreSQL run would check the same thing again.
    """
    if not _on_postgresql():
        return
    skip = pytest.mark.skip(reason="does not depend on the database: run on SQLite")
    for item in items:
        if item.get_closest_marker("any_database"):
            item.add_marker(skip)


#: A module of tests that ran this long wrote (and rolled back) enough rows to vacuum after.
VACUUM_AFTER_SECONDS = 10.0


@pytest.fixture(scope="module", autouse=True)
def _vacuum_after_heavy_modules():
    """On PostgreSQL, vacuum the test database after a module that ran long.

    Every test's rows are rolled back, and a rolled-back row stays in its table and its
    indexes until a vacuum removes it. This server runs no autovacuum, so after the demo
    shop's builds every later query read through their dead rows: a test that takes 19 s
    alone took 137 s after them. A plain VACUUM from a connection of its own (none of the
    tests' transactions is open between modules) removes them in a second or two.
    """
    started = time.monotonic()
    yield
    if _on_postgresql() and time.monotonic() - started > VACUUM_AFTER_SECONDS:
        _vacuum()


def _vacuum() -> None:
    from django.db import connection

    settings = connection.settings_dict
    if not str(settings.get("NAME", "")).startswith("test_"):
        return  # the test database is not set up: nothing of ours to vacuum
    import psycopg

    with psycopg.connect(dbname=settings["NAME"], user=settings.get("USER") or None,
                         host=settings.get("HOST") or None,
                         port=settings.get("PORT") or None,
                         password=settings.get("PASSWORD") or None,
                         autocommit=True) as vacuuming:
        vacuuming.execute("VACUUM")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item so fixtures can tell whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _chromium_missing_reason() -> str | None:
    if os.access(CHROMIUM, os.X_OK) or shutil.which(CHROMIUM):
        return None
    return (
        f"!!! BROWSER TESTS NOT RUN: {CHROMIUM} is missing. "
        "Install it with `apt-get install chromium` (CI installs it and fails without it)."
    )


@pytest.fixture(scope="session")
def browser():
    """Launch one headless Debian Chromium for the session."""
    reason = _chromium_missing_reason()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server, request):
    """Open a page in a fresh browser context whose base URL is the live server.

    When the test fails, its screenshot and HTML are saved under ``test-artifacts/``.
    """
    context = browser.new_context(
        base_url=live_server.url, viewport=VIEWPORT, locale="en-US", timezone_id="UTC"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is None or report.failed:
        _save_artifacts(page, request.node.nodeid)
    context.close()


def _save_artifacts(page, nodeid: str) -> None:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid.split("/")[-1]).strip("_")
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        (ARTIFACTS / f"{name}.html").write_text(page.content(), encoding="utf-8")
    except Exception as exc:  # the page may be what broke; the test's own error matters more
        print(f"could not save artefacts for {nodeid}: {exc}")


@pytest.fixture(autouse=True)
def _default_language():
    """Start every test in the default language.

    A request's LocaleMiddleware leaves its language active in the thread, so a test that
    browses in Ukrainian would otherwise make the next test's messages Ukrainian.
    """
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


def pytest_sessionfinish(session, exitstatus):
    """Turn a run in which no test passed into a failure, not a green "all skipped"."""
    if exitstatus != pytest.ExitCode.OK:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None or session.config.option.collectonly:
        return
    if not reporter.stats.get("passed"):
        reporter.write_line(
            "No test passed (everything was skipped or deselected): failing the run.",
            red=True, bold=True,
        )
        session.exitstatus = pytest.ExitCode.NO_TESTS_COLLECTED
