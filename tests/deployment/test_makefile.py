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


def run_demo(tmp_path: Path, *assignments: str, **environ: str) -> str:
    """Run ``make demo`` whole with a stand-in ``tenure`` that prints what it is given and
    the TENURE_BASE_URL it sees; return what the recipe printed."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, script in (("tenure", 'echo "tenure $* TENURE_BASE_URL=$TENURE_BASE_URL"'),
                         ("python", 'echo not-a-secret')):
        (bin_dir / name).write_text(f"#!/bin/sh\n{script}\n")
        (bin_dir / name).chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("PORT", "TENURE_BASE_URL")}
    completed = subprocess.run(
        ["make", "--no-print-directory", "-f", str(ROOT / "Makefile"), "demo",
         f"BIN={bin_dir}", *assignments],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**env, "TENURE_VAR_DIR": str(tmp_path / "var"), **environ})
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def test_make_demo_runs_and_its_commands_see_the_ports_address(tmp_path):
    # The recipe's environment, not only the variable: an export that names itself made
    # make stop before running anything ("Recursive variable ... references itself").
    out = run_demo(tmp_path, "PORT=8080")
    assert "tenure demo-data" in out and "tenure runserver --noreload 127.0.0.1:8080" in out
    seen = {line.rsplit("TENURE_BASE_URL=", 1)[1] for line in out.splitlines()
            if line.startswith("tenure ")}
    assert seen == {"http://127.0.0.1:8080"}
    given = tmp_path / "given"
    given.mkdir()
    out = run_demo(given, TENURE_BASE_URL="https://crm.example.com")
    assert "TENURE_BASE_URL=https://crm.example.com" in out


def test_demo_email_links_follow_the_port():
    # PORT=8080 make demo: survey and reminder links must not point at port 8000.
    assert make_value("DEMO_BASE_URL") == "http://127.0.0.1:8000"
    assert make_value("DEMO_BASE_URL", "PORT=8080") == "http://127.0.0.1:8080"
    assert make_value("DEMO_BASE_URL", PORT="8090") == "http://127.0.0.1:8090"


def test_a_base_url_given_is_kept():
    assert make_value("DEMO_BASE_URL", "PORT=8080",
                      TENURE_BASE_URL="https://crm.example.com") == "https://crm.example.com"
