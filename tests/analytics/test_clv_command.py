"""``tenure clv fit``: the published CDNOW estimates from the command line, and its exits."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

CDNOW = Path("/work/shared/data/cdnow")
SUMMARY = CDNOW / "cdnow_customers_summary_with_transactions.csv"
TENURE = Path(sys.executable).parent / "tenure"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(TENURE), "clv", *args], capture_output=True, text=True,
                          timeout=300, cwd=cwd)


def test_it_prints_the_published_bg_nbd_fit_as_json():
    result = run("fit", str(SUMMARY), "--model", "bgnbd", "--unit", "week", "--json")

    assert result.returncode == 0, result.stderr
    fit = json.loads(result.stdout)
    assert {k: round(v, 3) for k, v in fit["params"].items()} == \
        {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    assert round(fit["log_likelihood"], 1) == -9582.4
    assert fit["n_customers"] == 2357 and fit["converged"] and fit["input"] == "summary"
    assert set(fit["standard_errors"]) == {"r", "alpha", "a", "b"}


def test_it_builds_the_summary_from_a_purchases_file_without_a_header():
    result = run("fit", str(CDNOW / "CDNOW_sample.txt"), "--model", "gg",
                 "--columns", ",customer_id,time,,amount", "--as-of", "1997-09-30", "--json")

    assert result.returncode == 0, result.stderr
    fit = json.loads(result.stdout)
    assert fit["input"] == "purchases"
    assert {k: round(v, 2) for k, v in fit["params"].items()} == \
        {"p": 6.25, "q": 3.74, "v": 15.44}


def test_a_summary_that_records_its_unit_is_fitted_in_it(tmp_path):
    weekly = tmp_path / "weekly.csv"
    weekly.write_text("".join(
        line.rstrip("\n") + (",time_unit\n" if i == 0 else ",week\n")
        for i, line in enumerate(SUMMARY.open())))

    result = run("fit", str(weekly), "--json")
    refused = run("fit", str(weekly), "--unit", "day")

    assert result.returncode == 0, result.stderr
    fit = json.loads(result.stdout)
    assert fit["time_unit"] == "week" and round(fit["log_likelihood"], 1) == -9582.4
    assert refused.returncode == 1
    assert "in weeks (its time_unit column) but the model works in days" in refused.stderr


def test_the_text_output_is_a_table():
    result = run("fit", str(SUMMARY), "--unit", "week")

    assert result.returncode == 0, result.stderr
    assert "BG/NBD fitted to 2,357 customers (time unit: week)" in result.stdout
    assert "log-likelihood -9582.43" in result.stdout
    assert result.stdout.strip().endswith("converged")


def test_a_file_it_cannot_use_exits_1_with_the_reason(tmp_path):
    bad = tmp_path / "summary.csv"
    bad.write_text("frequency,recency,T\n1,5,3\n")

    result = run("fit", str(bad))

    assert result.returncode == 1
    assert "row 1: recency is 5" in result.stderr
    assert run("fit", str(tmp_path / "missing.csv")).returncode == 1


def test_bad_usage_exits_2_and_help_explains():
    assert run("fit", str(SUMMARY), "--model", "nbd").returncode == 2
    assert run().returncode == 2
    help_text = run("fit", "--help")
    assert help_text.returncode == 0
    assert "pnbd" in help_text.stdout and "BG/BB" in help_text.stdout


@pytest.mark.parametrize("argv", [["help", "clv"], ["clv", "--help"]])
def test_tenure_help_lists_it(argv):
    result = subprocess.run([str(TENURE), *argv], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert "fit" in result.stdout
