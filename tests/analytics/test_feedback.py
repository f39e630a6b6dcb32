"""NPS, CSAT and CES against answers scored by hand."""

from __future__ import annotations

import math

import ibis
import pandas as pd
import pytest

from tenure.analytics.exceptions import InputError
from tenure.analytics.feedback import (
    BANDS,
    ces,
    csat,
    feedback_scores,
    nps,
    nps_margin_of_error,
    score_from_counts,
    tone,
)

# 5 promoters (9, 9, 9, 10, 10), 3 passives (7, 8, 8), 2 detractors (3, 6).
TEN_ANSWERS = [10, 9, 9, 10, 9, 8, 7, 8, 3, 6]


def test_nps_of_ten_answers_worked_by_hand():
    result = nps(TEN_ANSWERS)
    assert (result.promoters, result.passives, result.detractors, result.n) == (5, 3, 2, 10)
    assert result.score == pytest.approx(30.0)  # 50 % - 20 %
    # p = 0.5, d = 0.2: 1.96 * sqrt((0.7 - 0.09) / 10) * 100 = 1.96 * 0.246982 * 100
    assert result.margin_of_error == pytest.approx(48.408, abs=1e-3)
    assert result.margin_of_error == pytest.approx(1.96 * math.sqrt((0.7 - 0.09) / 10) * 100)


def test_nps_extremes_and_missing_answers():
    assert nps([10, 9, None, float("nan")]).score == pytest.approx(100.0)
    assert nps([10, 9, None]).n == 2
    everyone_detracts = nps([0, 6, 5])
    assert everyone_detracts.score == pytest.approx(-100.0)
    # p = 0, d = 1: p + d - (p - d)^2 = 0, a unanimous sample has no spread.
    assert everyone_detracts.margin_of_error == pytest.approx(0.0)
    # 7 and 8 are passives: NPS 0, MoE from p = d = 0.
    assert nps([7, 8]).score == pytest.approx(0.0)


def test_nps_margin_of_error_of_a_balanced_split():
    # 50 promoters, 50 detractors out of 100: var = 1 - 0 = 1, MoE = 1.96 * 0.1 * 100.
    assert nps_margin_of_error(0.5, 0.5, 100) == pytest.approx(19.6)


def test_csat_is_the_share_of_four_and_five():
    assert csat([5, 4, 3, 2, 1, 4]) == pytest.approx(50.0)  # 3 of 6
    assert csat([5, 5, 4, 2]) == pytest.approx(75.0)  # 3 of 4


def test_ces_is_easy_minus_hard():
    # easy (1-2): 1, 2, 1 = 3; hard (4-5): 4, 5 = 2; (3 - 2) / 6
    assert ces([1, 2, 3, 4, 5, 1]) == pytest.approx(100 / 6)
    assert ces([5, 5, 4]) == pytest.approx(-100.0)


@pytest.mark.parametrize(
    ("scorer", "answers", "count", "example"),
    [(nps, [11, 3, -1], "2", "11"), (csat, [0, 5], "1", "0"), (ces, [3, 6], "1", "6"),
     (nps, [7.5, 8], "1", "7.5")],
)
def test_answers_outside_the_scale_are_refused(scorer, answers, count, example):
    with pytest.raises(InputError, match=rf"^{count} .*e\.g\. {example}\b"):
        scorer(answers)


def test_no_answers_is_an_error_not_a_zero():
    with pytest.raises(InputError, match="No nps answers"):
        nps([None])
    with pytest.raises(InputError, match="not numbers"):
        csat(["five"])


@pytest.fixture
def con():
    return ibis.duckdb.connect()


def _feedback(con, rows):
    df = pd.DataFrame(rows, columns=["customer_id", "time", "kind", "score", "segment"])
    df["time"] = pd.to_datetime(df["time"])
    return con.create_table("feedback", ibis.memtable(df), overwrite=True)


def test_feedback_scores_per_month_and_segment(con):
    fb = _feedback(con, [
        ("a", "2024-01-03", "nps", 10, "retail"),
        ("b", "2024-01-05", "nps", 9, "retail"),
        ("c", "2024-01-09", "nps", 4, "retail"),
        ("d", "2024-01-10", "nps", 8, "retail"),
        ("a", "2024-01-11", "csat", 5, "retail"),
        ("b", "2024-01-12", "csat", 3, "retail"),
        ("c", "2024-01-20", "ces", 1, "retail"),
        ("e", "2024-01-21", "ces", 5, "wholesale"),
        ("e", "2024-01-22", "ces", 4, "wholesale"),
        ("e", "2024-01-23", "ces", 2, "wholesale"),
        ("f", "2024-02-01", "nps", 6, "retail"),
        ("f", "2024-02-02", "CSAT", 4, "retail"),
    ])
    got = feedback_scores(fb, by="segment").set_index(["segment", "period"])
    jan = got.loc[("retail", pd.Timestamp("2024-01-01"))]
    # 2 promoters, 1 passive, 1 detractor of 4: NPS 25; MoE 1.96 * sqrt((0.75 - 0.0625) / 4)
    assert jan["nps"] == pytest.approx(25.0)
    assert jan["nps_margin_of_error"] == pytest.approx(1.96 * math.sqrt(0.6875 / 4) * 100)
    assert (jan["promoters"], jan["passives"], jan["detractors"]) == (2, 1, 1)
    assert jan["csat"] == pytest.approx(50.0) and jan["csat_answers"] == 2
    assert jan["ces"] == pytest.approx(100.0) and jan["ces_answers"] == 1
    wholesale = got.loc[("wholesale", pd.Timestamp("2024-01-01"))]
    assert math.isnan(wholesale["nps"]) and wholesale["nps_answers"] == 0
    assert wholesale["ces"] == pytest.approx(-100 / 3)  # 1 easy, 2 hard of 3
    feb = got.loc[("retail", pd.Timestamp("2024-02-01"))]
    assert feb["nps"] == pytest.approx(-100.0) and feb["csat"] == pytest.approx(100.0)
    assert len(got) == 3


def test_feedback_scores_per_quarter_without_segments(con):
    fb = _feedback(con, [
        ("a", "2024-01-03", "nps", 10, "x"),
        ("b", "2024-03-30", "nps", 0, "x"),
        ("c", "2024-04-01", "nps", 9, "x"),
    ])
    got = feedback_scores(fb, period="quarter")
    assert list(got.columns[:2]) == ["period", "nps"]
    assert list(got["period"]) == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-04-01")]
    assert list(got["nps"]) == pytest.approx([0.0, 100.0])


def test_feedback_scores_name_how_many_rows_are_out_of_range(con):
    fb = _feedback(con, [
        ("a", "2024-01-03", "nps", 11, "x"),
        ("b", "2024-01-03", "csat", 0, "x"),
        ("c", "2024-01-03", "ces", 3, "x"),
        ("d", "2024-01-03", "stars", 3, "x"),
    ])
    with pytest.raises(InputError, match=r"^3 feedback row\(s\).*e\.g\. customer"):
        feedback_scores(fb)


def test_feedback_scores_check_their_arguments(con):
    fb = _feedback(con, [("a", "2024-01-03", "nps", 10, "x")])
    with pytest.raises(InputError, match="period"):
        feedback_scores(fb, period="day")
    with pytest.raises(InputError, match="lacks column"):
        feedback_scores(fb, by="store")


def test_scores_from_counts_are_the_scores_of_the_answers():
    # NPS: 3 promoters, 2 detractors of 8: 100 * 1 / 8; CSAT: 2 of 5 at 4-5; CES: 2 easy, 1 hard.
    counts = {"nps": {10: 2, 9: 1, 8: 2, 7: 1, 6: 1, 3: 1}, "csat": {5: 1, 4: 1, 3: 2, 1: 1},
              "ces": {1: 1, 2: 1, 3: 2, 5: 1}}
    assert score_from_counts("nps", counts["nps"]) == pytest.approx(12.5)
    assert score_from_counts("csat", counts["csat"]) == pytest.approx(40.0)
    assert score_from_counts("ces", counts["ces"]) == pytest.approx(20.0)
    for kind, score in (("nps", lambda a: nps(a).score), ("csat", csat), ("ces", ces)):
        answers = [s for s, n in counts[kind].items() for _ in range(n)]
        assert score_from_counts(kind, counts[kind]) == pytest.approx(score(answers))
    assert math.isnan(score_from_counts("nps", {}))


def test_the_bands_decide_every_score(monkeypatch):
    monkeypatch.setitem(BANDS, "csat", {"low": (1, 1), "high": (5, 5)})
    assert csat([5, 4, 3]) == pytest.approx(100 / 3)
    assert score_from_counts("csat", {5: 1, 4: 1, 3: 1}) == pytest.approx(100 / 3)
    assert (tone("csat", 2), tone("csat", 1)) == ("mid", "low")
    con = ibis.duckdb.connect()
    fb = con.create_table("fb", pd.DataFrame({
        "customer_id": [1, 2, 3], "time": pd.to_datetime(["2024-01-02"] * 3),
        "kind": ["csat"] * 3, "score": [5, 4, 3]}))
    assert feedback_scores(fb)["csat"].iloc[0] == pytest.approx(100 / 3)
