"""The Makefile's demo settings, as make itself works them out."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def make_value(name: str, *assignments: str, **environ: str) -> str:
    """Return the value of the Makefile variable ``name`` (a rule added to print it)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PORT", "TENURE_BASE_URL")}
    completed = subprocess.run(
        ["make", "--no-print-directory", "-f", "Makefile", "--eval",
         "print-%: ; @echo $($*)", f"print-{name}", *assignments],
        cwd=ROOT, capture_output=True, text=True, env={**env, **environ}, check=True)
    return completed.stdout.strip()


def test_demo_email_links_follow_the_port():
    # PORT=8080 make demo: survey and reminder links must not point at port 8000.
    assert "demo: export TENURE_BASE_URL = $(DEMO_BASE_URL)" in (ROOT / "Makefile").read_text()
    assert make_value("DEMO_BASE_URL") == "http://127.0.0.1:8000"
    assert make_value("DEMO_BASE_URL", "PORT=8080") == "http://127.0.0.1:8080"
    assert make_value("DEMO_BASE_URL", PORT="8090") == "http://127.0.0.1:8090"


def test_a_base_url_given_is_kept():
    assert make_value("DEMO_BASE_URL", "PORT=8080",
                      TENURE_BASE_URL="https://crm.example.com") == "https://crm.example.com"
