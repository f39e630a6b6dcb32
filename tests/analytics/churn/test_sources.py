"""The optional sources read from files and frames, checked at the edge."""

from __future__ import annotations

import ibis
import pandas as pd
import pytest

from tenure.analytics.churn import complaints, messages, subscriptions
from tenure.analytics.exceptions import InputError


def test_a_complaints_file_with_russian_headers_and_open_complaints(tmp_path):
    path = tmp_path / "жалобы.csv"
    path.write_text("Клиент;Дата жалобы;Дата решения;Категория\n"
                    "C1;05.03.2024;07.03.2024;доставка\n"
                    "C2;2024-03-10;;качество\n", encoding="utf-8")
    table = complaints(path, con=ibis.duckdb.connect()).to_pandas()
    assert list(table.columns) == ["customer_id", "opened_at", "resolved_at", "category"]
    assert table["opened_at"].tolist() == [pd.Timestamp("2024-03-05"),
                                           pd.Timestamp("2024-03-10")]
    assert table["resolved_at"].iloc[0] == pd.Timestamp("2024-03-07")
    assert pd.isna(table["resolved_at"].iloc[1])  # still open


def test_dates_that_do_not_parse_are_counted_not_dropped():
    frame = pd.DataFrame({"customer_id": ["a", "b", "c"],
                          "sent_at": ["2024-01-01", "someday", "never"],
                          "responded_at": [None, None, None]})
    with pytest.raises(InputError, match=r"2 of 3 values of sent_at cannot be read"):
        messages(frame)


def test_headers_can_be_mapped_by_hand():
    frame = pd.DataFrame({"who": ["a"], "from": ["2024-01-01"], "till": [None]})
    table = subscriptions(frame, columns={"who": "customer_id", "till": "end"}).to_pandas()
    assert list(table.columns) == ["customer_id", "start", "end"]
    assert pd.isna(table["end"].iloc[0])


def test_an_empty_column_must_still_be_there():
    frame = pd.DataFrame({"customer_id": ["a"], "opened_at": ["2024-01-01"]})
    with pytest.raises(InputError, match=r"no column resolved_at .*still open.*"
                                         r"columns=\{'Header': 'resolved_at'\}"):
        complaints(frame)
