"""The offline report of ``tenure analyze`` in a real Chromium: it draws, and asks for nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tenure.analytics.report import write_report
from tests.analytics.test_analyze import stand_in_analysis

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module", params=["stand-in", "cdnow"])
def report(request, tmp_path_factory) -> Path:
    if request.param == "stand-in":
        out = tmp_path_factory.mktemp(f"report-{request.param}")
        return write_report(stand_in_analysis(), out)["report"]
    # What `tenure analyze` wrote for the whole CDNOW log (tests/analytics reads its tables).
    return request.getfixturevalue("cdnow_report") / "report.html"


def test_the_report_draws_every_chart_offline(page, report):
    errors, failed, requests = [], [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(report.as_uri())
    page.wait_for_load_state("load")

    charts = page.locator(".chart")
    assert charts.count() >= 7
    for i in range(charts.count()):
        chart = charts.nth(i)
        name = chart.get_attribute("id")
        drawn = chart.locator("canvas, svg").first
        box = drawn.bounding_box()
        assert box and box["width"] > 0 and box["height"] > 0, name
    assert not errors
    assert not failed
    assert requests == [report.as_uri()]  # the page itself, nothing else


def test_the_report_shows_numbers_readably(page, report):
    page.goto(report.as_uri())
    tiles = page.locator(".tile .value")
    assert tiles.count() >= 2
    for text in tiles.all_inner_texts():
        assert text and "NaN" not in text and "undefined" not in text
    assert page.locator("#segments-table tbody tr").count() >= 1
    assert page.locator("#abc-table tbody tr").count() >= 1
