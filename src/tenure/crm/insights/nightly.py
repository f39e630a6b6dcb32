"""The nightly job: refresh the Insights figures as of today (the worker's schedule names it)."""

from __future__ import annotations

from .models import InsightsRun
from .refreshing import refresh_insights as refresh


class RefreshFailed(Exception):
    """The refresh recorded a failure; the worker records it on the job too."""


def refresh_insights() -> str:
    """Refresh Insights as of today; raise when the run failed."""
    run = refresh()
    if run.status != InsightsRun.Status.DONE:
        raise RefreshFailed(run.error)
    skipped = run.results.get("skipped") or []
    return f"as of {run.as_of.isoformat()}" + "".join(f"; skipped {text}" for text in skipped)
