"""Fixtures that tests in more than one folder share."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def cdnow_report(tmp_path_factory) -> Path:
    """Return the folder ``tenure analyze`` wrote for the whole CDNOW log, run once: the
    command's tests read its files and the browser opens its report (half a minute each)."""
    from tests.analytics.test_analyze import write_cdnow_report

    return write_cdnow_report(tmp_path_factory.mktemp("cdnow"))
