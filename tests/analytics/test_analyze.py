"""``tenure analyze``: the command on CDNOW, its exit statuses, and the report files."""

from __future__ import annotations

import csv
import math
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from tenure.analytics.analyze import (
    CUSTOMER_COLUMNS,
    SEGMENT_COLUMNS,
    Analysis,
    abc_xyz_table,
    segment_table,
)
from tenure.analytics.exceptions import InputError
from tenure.analytics.report import KPI_COLUMNS, report_data, write_report

CDNOW = Path("/work/shared/data/cdnow/CDNOW_master.txt")
TENURE = Path(sys.executable).parent / "tenure"
#: The first tenth of CDNOW's customers (the size of its published 1/10 sample).
CDNOW_TENTH = 2357
CDNOW_OPTIONS = ["--customer-col", "customer_id", "--date-col", "date",
                 "--amount-col", "dollar_value"]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(TENURE), "analyze", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=600)


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


# --- the command on CDNOW ----------------------------------------------------------------

def write_cdnow_report(folder: Path) -> Path:
    """Run ``tenure analyze`` on the whole CDNOW log; return the folder it wrote.

    The ``cdnow_report`` fixture (tests/conftest.py) runs it once for this module and the
    browser's report tests.
    """
    if not CDNOW.exists():
        pytest.skip(f"{CDNOW} is missing")
    out = folder / "report"
    result = run(str(CDNOW), *CDNOW_OPTIONS, "--out", str(out), "--no-progress", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert "23,570 customers" in result.stdout
    assert "69,659 purchases" in result.stdout
    return out


def cdnow_dollars(until: str = "99999999", path: Path = CDNOW) -> tuple[float, set[str]]:
    """Sum the dollar column and collect the months, straight from the text file."""
    total, months = 0.0, set()
    with path.open() as f:
        next(f)
        for line in f:
            _, day, _, dollars = line.split()
            if day <= until:
                total += float(dollars)
                months.add(f"{day[:4]}-{day[4:6]}")
    return total, months


def test_it_writes_every_file(cdnow_report):
    names = {p.name for p in cdnow_report.iterdir()}
    assert {"report.html", "kpi.csv", "cohorts.csv", "segments.csv", "customers.csv"} <= names


def test_kpi_csv_has_one_row_per_month_and_all_revenue(cdnow_report):
    columns, rows = read_csv(cdnow_report / "kpi.csv")
    assert columns == KPI_COLUMNS
    total, months = cdnow_dollars()
    assert [r["period"] for r in rows] == sorted(months)  # 1997-01 .. 1998-06, each once
    assert len(rows) == 18
    assert math.isclose(sum(float(r["revenue"]) for r in rows), total, rel_tol=1e-9)
    for row in rows:
        for rate in ("crr", "churn_rate", "retention_rate", "repeat_rate"):
            if row[rate]:
                assert 0.0 <= float(row[rate]) <= 1.0, (rate, row)


def test_kpi_csv_counts_match_hand_computation(cdnow_report):
    _, rows = read_csv(cdnow_report / "kpi.csv")
    # Every CDNOW customer made their first purchase in the first quarter of 1997.
    assert sum(int(r["new"]) for r in rows) == 23_570
    assert all(int(r["new"]) == 0 for r in rows[3:])
    assert int(rows[0]["customers_start"]) == 0


def test_customers_csv_has_one_row_per_customer(cdnow_report):
    columns, rows = read_csv(cdnow_report / "customers.csv")
    assert columns == CUSTOMER_COLUMNS
    assert len(rows) == 23_570
    assert len({r["customer_id"] for r in rows}) == 23_570
    assert all(r["segment"] and r["abc"] and r["r"] for r in rows)
    assert all(float(r["clv"]) >= 0 and 0 <= float(r["p_alive"]) <= 1 for r in rows)
    # Scored: those who bought in the last 365 days; each with at least one reason.
    scored = [r for r in rows if r["churn_risk"]]
    assert 0 < len(scored) < len(rows)
    assert all(r["churn_reasons"] for r in scored)


def test_segments_csv_covers_every_customer(cdnow_report):
    columns, rows = read_csv(cdnow_report / "segments.csv")
    assert columns == SEGMENT_COLUMNS
    assert sum(int(r["customers"]) for r in rows) == 23_570
    total, _ = cdnow_dollars()
    assert math.isclose(sum(float(r["revenue"]) for r in rows), total, rel_tol=1e-9)
    assert math.isclose(sum(float(r["share"]) for r in rows), 1.0, rel_tol=1e-9)


def test_cohorts_csv_starts_with_whole_cohorts(cdnow_report):
    columns, rows = read_csv(cdnow_report / "cohorts.csv")
    assert columns[:3] == ["cohort", "customers", "0"]
    assert len(rows) == 3  # first purchases in 1997-01, -02 and -03 only
    assert sum(int(r["customers"]) for r in rows) == 23_570
    assert all(float(r["0"]) == 1.0 for r in rows)


def test_report_html_is_self_contained(cdnow_report):
    html = (cdnow_report / "report.html").read_text(encoding="utf-8")
    assert "echarts" in html and 'id="report-data"' in html
    for remote in ('src="http', "src='http", 'href="http', "@import", "url(http"):
        assert remote not in html
    # The value and churn section's data: the estimates of the purchase model the holdout
    # comparison chose (never BG/NBD, whose P(alive) is 1 for every one-time buyer).
    assert ('"value":{"models":[{"name":"MBG/NBD"' in html
            or '"value":{"models":[{"name":"Pareto/NBD"' in html)
    assert "BG/NBD is shown for reference but not chosen" in html
    assert '"metrics":[{"model":"model"' in html
    # One horizon for the whole shop, from its rhythm: 2 x the repeat buyers' median
    # typical gap (65 days) reads as 120 days, which 18 months of history hold.
    assert '"horizon":"no purchase within 120 days"' in html
    assert "Churn uses a fixed horizon" not in html


def test_as_of_leaves_later_purchases_out(tmp_path):
    # A tenth of the customers (CDNOW numbers them in the order of their first purchase,
    # customer 1 on 1997-01-01): --as-of needs no more, and the whole log is the fixture's.
    part = tmp_path / "cdnow_tenth.txt"
    with CDNOW.open() as f:
        part.write_text("".join(line for n, line in enumerate(f)
                                if n == 0 or int(line.split()[0]) <= CDNOW_TENTH))
    result = run(str(part), *CDNOW_OPTIONS, "--as-of", "1997-09-30", "--period", "quarter",
                 "--out", str(tmp_path), "--no-progress", "--no-churn", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"{CDNOW_TENTH:,} customers" in result.stdout
    _, rows = read_csv(tmp_path / "kpi.csv")
    assert [r["period"] for r in rows] == ["1997 Q1", "1997 Q2", "1997 Q3"]
    total, _ = cdnow_dollars(until="19970930", path=part)
    assert math.isclose(sum(float(r["revenue"]) for r in rows), total, rel_tol=1e-9)
    _, customers = read_csv(tmp_path / "customers.csv")
    # T is the age on the snapshot day: at most 272 days (1997-01-01 to 1997-09-30).
    assert max(float(c["T"]) for c in customers) == 272
    # --no-churn leaves the churn columns empty, the value columns filled.
    assert all(c["churn_risk"] == "" and c["churn_reasons"] == "" for c in customers)
    assert all(c["clv"] != "" and c["p_alive"] != "" for c in customers)


# --- exit statuses -----------------------------------------------------------------------

def test_a_missing_file_fails_with_1(tmp_path):
    result = run(str(tmp_path / "nothing.csv"), "--no-progress", cwd=tmp_path)
    assert result.returncode == 1
    assert "nothing.csv" in result.stderr


def test_a_file_without_the_needed_columns_fails_with_1(tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("colour,size\nred,1\nblue,2\n", encoding="utf-8")
    result = run(str(path), "--no-progress", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip()
    assert "Traceback" not in result.stderr


def test_a_named_column_that_is_absent_fails_with_1(tmp_path):
    result = run(str(CDNOW), "--amount-col", "no_such_column", "--no-progress", cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args", [[], ["a.csv", "--period", "fortnight"],
                                  ["a.csv", "--window-days", "-3"], ["a.csv", "--bogus"],
                                  ["a.csv", "--as-of", "yesterday"]])
def test_bad_usage_exits_with_2(tmp_path, args):
    result = run(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert "usage: tenure analyze" in result.stderr


def test_help_explains_the_command(tmp_path):
    result = run("--help", cwd=tmp_path)
    assert result.returncode == 0
    for words in ("report.html", "kpi.csv", "--amount-col", "--window-days", "exit status"):
        assert words in result.stdout


def test_tenure_help_lists_analyze(tmp_path):
    env = {**os.environ, "TENURE_VAR_DIR": str(tmp_path)}
    listing = subprocess.run([str(TENURE), "help"], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=120)
    assert listing.returncode == 0 and "analyze" in listing.stdout
    details = subprocess.run([str(TENURE), "help", "analyze"], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=120)
    assert details.returncode == 0 and "--window-days" in details.stdout


# --- the report from stand-in tables -----------------------------------------------------

def stand_in_analysis() -> Analysis:
    """A three-customer analysis built by hand, independent of the engine."""
    summary = pd.DataFrame({
        "customer_id": ["a", "b", "c"], "frequency": [2.0, 0.0, 1.0],
        "recency": [40.0, 0.0, 10.0], "T": [60.0, 30.0, 20.0],
        "monetary_value": [15.0, 0.0, 5.0], "recency_days": [20, 30, 10],
        "orders": [3, 1, 2], "revenue": [40.0, 10.0, 10.0],
    })
    rfm = pd.DataFrame({"customer_id": ["a", "b", "c"], "r": [4, 1, 5], "f": [5, 1, 3],
                        "m": [5, 2, 2], "rfm": ["455", "112", "532"],
                        "segment": ["loyal", "lost", "potential_loyalist"]})
    abc = pd.DataFrame({"customer_id": ["a", "b", "c"], "abc": ["A", "B", "C"],
                        "xyz": ["X", "new", "Z"], "abc_xyz": ["AX", "new", "CZ"]})
    periods = pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"])
    kpis = pd.DataFrame({c: [0.0, 0.0, 0.0] for c in KPI_COLUMNS})
    kpis["period"] = periods
    kpis["revenue"] = [20.0, 25.0, 15.0]
    kpis["crr"] = [math.nan, 1.0, 0.5]
    bridge = pd.DataFrame({"period": periods, "revenue_change": [math.nan, 5.0, -10.0],
                           "n_effect": [math.nan, 3.0, -6.0], "v_effect": [math.nan, 1.0, -3.0],
                           "l_effect": [math.nan, 1.0, -1.0]})
    cohorts = pd.DataFrame({"cohort": periods[:2], "customers": [2, 1], "0": [1.0, 1.0],
                            "1": [0.5, 1.0], "2": [0.5, math.nan]})
    customers = summary[["customer_id", "frequency", "recency", "T", "monetary_value"]]
    customers = customers.merge(rfm).merge(abc).assign(
        cluster=[0, 1, 0], clv=[120.5, 3.2, 40.0], p_alive=[0.9, 0.1, 0.6],
        expected_purchases_90d=[1.2, 0.01, 0.4], churn_risk=[0.2, 0.95, 0.5],
        churn_reasons=["", "no purchase for 94 days; usually buys every 30 days", ""])
    return Analysis(
        period="month", window_days=365, as_of=datetime(2024, 3, 31), purchases=6,
        first_purchase=datetime(2024, 1, 2), last_purchase=datetime(2024, 3, 31),
        summary=summary, kpis=kpis, bridge=bridge, cohorts=cohorts, rfm=rfm,
        segments=segment_table(summary, rfm, order=["champions", "loyal", "lost"]),
        abc_xyz=abc, abc_xyz_table=abc_xyz_table(summary, abc), clusters=None,
        customers=customers[CUSTOMER_COLUMNS], notes=["Clusters were not computed: too few."])


def test_segment_table_by_hand():
    table = stand_in_analysis().segments.set_index("segment")
    assert list(table.index) == ["champions", "loyal", "lost", "potential_loyalist"]
    assert table.loc["champions", "customers"] == 0
    assert table.loc["loyal", "revenue"] == 40.0
    assert table.loc["loyal", "revenue_share"] == pytest.approx(40 / 60)
    assert table.loc["lost", "share"] == pytest.approx(1 / 3)
    assert table.loc["potential_loyalist", "avg_frequency"] == 2


def test_segment_and_abc_tables_do_not_depend_on_the_scores_order():
    # In the summary's order the scores are joined by position, shuffled by a merge.
    analysis = stand_in_analysis()
    summary, rfm, abc = analysis.summary, analysis.rfm, analysis.abc_xyz
    shuffled_rfm, shuffled_abc = rfm.iloc[[2, 0, 1]], abc.iloc[[1, 2, 0]]
    order = ["champions", "loyal", "lost"]
    pd.testing.assert_frame_equal(segment_table(summary, rfm, order=order),
                                  segment_table(summary, shuffled_rfm, order=order))
    pd.testing.assert_frame_equal(abc_xyz_table(summary, abc),
                                  abc_xyz_table(summary, shuffled_abc))
    assert segment_table(summary, rfm.iloc[:2]).customers.sum() == 2


def test_write_report_from_stand_in_tables(tmp_path):
    files = write_report(stand_in_analysis(), tmp_path / "out")
    assert set(files) == {"report", "kpi", "cohorts", "segments", "customers"}
    columns, rows = read_csv(files["kpi"])
    assert columns == KPI_COLUMNS
    assert [r["period"] for r in rows] == ["2024-01", "2024-02", "2024-03"]
    assert rows[0]["crr"] == ""  # no customers at the start: no rate, not 0
    columns, rows = read_csv(files["customers"])
    assert columns == CUSTOMER_COLUMNS and len(rows) == 3
    html = files["report"].read_text(encoding="utf-8")
    assert "Clusters were not computed: too few." in html
    assert '"from":"2024-02","to":"2024-03"' in html


def tile(data: dict, label: str) -> dict:
    return next(t for t in data["tiles"] if t["label"] == label)


def test_retention_tiles_say_when_the_history_is_shorter_than_the_window():
    analysis = stand_in_analysis()  # three months of history, a 365-day window
    analysis.kpis["window_covered"] = False
    data = report_data(analysis)
    crr = tile(data, "Customer retention rate")
    assert crr["value"] is None
    assert "shorter than the 365-day activity window" in crr["note"]
    assert tile(data, "Churn rate")["value"] is None
    assert [row["crr"] for row in data["kpis"]] == [None, None, None]


def test_retention_tiles_show_the_figures_once_the_window_is_covered():
    analysis = stand_in_analysis()
    analysis.kpis["window_covered"] = True
    data = report_data(analysis)
    assert tile(data, "Customer retention rate")["value"] == 0.5
    assert "not measured" not in tile(data, "Churn rate")["note"]


def test_the_unfinished_period_is_labelled_so_far_and_left_out_of_the_tiles():
    analysis = stand_in_analysis()
    analysis.kpis["window_covered"] = True
    analysis.kpis["unfinished"] = [False, False, True]
    data = report_data(analysis)
    assert [row["period"] for row in data["kpis"]] == ["2024-01", "2024-02", "2024-03 (so far)"]
    assert tile(data, "Customer retention rate")["value"] == 1.0  # February's
    assert tile(data, "Average check")["note"].startswith("2024-02:")


# --- the parameters the CRM's refresh uses ------------------------------------------------

@pytest.fixture(scope="module")
def cdnow_sample_analysis():
    sample = CDNOW.with_name("CDNOW_sample.txt")
    if not sample.exists():
        pytest.skip(f"{sample} is missing")
    from tenure.analytics.analyze import analyze

    people = pd.DataFrame({"customer_id": [f"{i}" for i in range(1, 2358)]})
    return analyze(sample, columns=[None, "customer_id", "time", None, "amount"],
                   as_of="1998-06-30", churn=False, periods=("week", "month"),
                   dimensions=("segment", "store"), customers=people, tracking=True,
                   cohort_measures=("customers", "revenue", "revenue_per_customer"))


def test_it_computes_every_period_and_dimension_asked(cdnow_sample_analysis):
    a = cdnow_sample_analysis
    assert set(a.kpis_by_period) == set(a.bridges) == {"week", "month"}
    assert a.kpis.equals(a.kpis_by_period["month"])
    # No store column in the file: that dimension is left out, not an empty table.
    assert set(a.kpis_by) == {"segment"}
    by_segment = a.kpis_by["segment"]["month"]
    assert set(by_segment["segment"]) <= set(a.rfm["segment"])


def test_its_cohort_tables_share_their_sizes(cdnow_sample_analysis):
    tables = cdnow_sample_analysis.cohort_tables
    assert set(tables) == {"customers", "revenue", "revenue_per_customer"}
    sizes = tables["customers"]["size"]
    assert (tables["revenue"]["size"] == sizes).all() and sizes.sum() == 2357
    ratio = tables["revenue"]["0"] / sizes
    assert np.allclose(tables["revenue_per_customer"]["0"], ratio)
    assert (cdnow_sample_analysis.cohorts["customers"] == sizes).all()


def test_its_value_comes_from_the_selected_model(cdnow_sample_analysis):
    value = cdnow_sample_analysis.value
    assert value.purchase is value.selection.model
    assert value.selection.label in {"Pareto/NBD", "MBG/NBD"}
    customers = cdnow_sample_analysis.customers
    one_timers = customers[(customers["frequency"] == 0) & (customers["T"] > 365)]
    assert len(one_timers) and one_timers["p_alive"].max() < 1
    assert value.tracking is not None and set(value.tracking["period"]) == {
        "calibration", "holdout"}


def test_it_refuses_an_unknown_period_or_dimension():
    from tenure.analytics.analyze import analyze

    with pytest.raises(InputError, match="periods"):
        analyze(pd.DataFrame(), periods=("fortnight",))
    with pytest.raises(InputError, match="dimensions"):
        analyze(pd.DataFrame(), dimensions=("colour",))


def test_the_report_lists_the_most_expected_value_lost_first():
    # CLV / P(alive) x risk: a 120.5 / 0.9 x 0.2 = 26.78, b 3.2 / 0.1 x 0.95 = 30.40,
    # c 40 / 0.6 x 0.5 = 33.33. CLV x risk would put a, the safe big customer, first.
    analysis = stand_in_analysis()
    horizon = SimpleNamespace(describe=lambda: "no purchase within 90 days")
    analysis.churn = SimpleNamespace(test_snapshot=datetime(2024, 1, 31), horizon=horizon,
                                     metrics=pd.DataFrame({"model": ["model"], "roc_auc": [0.7]}))
    # A customer the model did not score (no churn risk) is not listed, however valuable.
    unscored = analysis.customers.iloc[[0]].assign(customer_id="z", clv=1e6,
                                                   churn_risk=np.nan)
    analysis.customers = pd.concat([unscored, analysis.customers], ignore_index=True)
    rows = report_data(analysis)["churn"]["at_risk"]
    assert [r["customer_id"] for r in rows] == ["c", "b", "a"]
    assert [round(r["at_risk"], 2) for r in rows] == [33.33, 30.4, 26.78]
