"""The figures against the truth, on six customers worked out by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from tenure.analytics.exceptions import InputError
from tenure.analytics.truth import compare, evaluate, read_truth

TRUTH_CSV = """external_id,alive_at_end,purchase_rate,dropout_probability,purchases_next_90d,\
purchases_next_365d,spend_next_365d
a,true,0.02,0.1,1,3,100.00
b,true,0.01,0.2,0,1,40.00
c,false,0.01,0.5,0,0,0.00
d,true,0.03,0.1,2,5,200.00
e,false,0.01,0.4,0,0,0.00
f,true,0.01,0.3,0,2,60.00
g,true,0.05,0.1,4,9,500.00
"""
NAN = math.nan
# Customer h has no scores yet; z is not in the truth; g has no scores.
SCORES = pd.DataFrame({
    "customer_id": ["a", "b", "c", "d", "e", "f", "h", "z"],
    "churn_risk": [0.1, 0.6, 0.8, 0.3, 0.7, 0.2, NAN, 0.5],
    "p_alive": [0.9, 0.7, 0.2, 0.65, 0.4, 0.7, NAN, 0.5],
    "clv": [50.0, 20.0, 5.0, 90.0, 8.0, 30.0, NAN, 1.0],
    "recency_days": [10, 40, 200, 20, 100, 60, 5, 1],
    "revenue": [30.0, 80.0, 10.0, 20.0, 60.0, 40.0, 5.0, 1.0],
})


@pytest.fixture
def truth(tmp_path):
    path = tmp_path / "truth.csv"
    path.write_text(TRUTH_CSV, encoding="utf-8")
    with path.open("a", encoding="utf-8") as file:
        file.write("h,false,0.01,0.9,0,0,0.00\n")
    return read_truth(path)


def figures(truth) -> dict[tuple[str, str], float]:
    table = evaluate(SCORES, truth)
    return {(r.metric, r.score): (r.value, r.n) for r in table.itertuples()}


def test_it_reads_the_truth_file(truth):
    assert truth["external_id"].tolist() == list("abcdefgh")
    assert truth["alive_at_end"].tolist() == [True, True, False, True, False, True, True,
                                              False]
    assert truth["spend_next_365d"].sum() == 900.0


def test_it_ranks_churn_against_no_purchase_in_the_next_90_days(truth):
    # Churned (no purchase in 90 days): b, c, e, f; stayed: a, d. Pairs churner above stayer:
    # churn risk 7 of 8 (f 0.2 is below d 0.3); recency 8 of 8; 1 - P(alive): b and f (0.3)
    # are below d (0.35), 6 of 8.
    found = figures(truth)
    assert found["roc_auc", "churn_risk"] == (pytest.approx(7 / 8), 6)
    assert found["roc_auc", "recency"] == (pytest.approx(1.0), 6)
    assert found["roc_auc", "one_minus_p_alive"] == (pytest.approx(6 / 8), 6)
    # Average precision, sum of (recall step) x precision: churn risk c e b | d | f a
    # gives (1 + 1 + 1 + 4/5) / 4; 1 - P(alive): c e | d | b f tied | a gives
    # 0.25 + 0.25 + 0.5 x 4/5.
    assert found["pr_auc", "churn_risk"][0] == pytest.approx(0.95)
    assert found["pr_auc", "recency"][0] == pytest.approx(1.0)
    assert found["pr_auc", "one_minus_p_alive"][0] == pytest.approx(0.9)


def test_it_scores_p_alive_against_the_share_alive(truth):
    # Squared errors .01 .09 .04 .1225 .16 .09; the constant 2/3 scores 2/3 x 1/3.
    found = figures(truth)
    assert found["brier", "p_alive"] == (pytest.approx(0.5125 / 6), 6)
    assert found["brier", "constant"] == (pytest.approx(2 / 9), 6)


def test_it_ranks_clv_and_revenue_against_next_year_spend(truth):
    # Ranks of spend with c and e tied: 5 3 1.5 6 1.5 4; of CLV 5 3 1 6 2 4; of revenue
    # 3 6 1 2 5 4. Pearson on the ranks: 17 / sqrt(17.5 x 17) and -3.5 / sqrt(17.5 x 17).
    found = figures(truth)
    assert found["spearman", "clv"] == (pytest.approx(17 / math.sqrt(17.5 * 17)), 6)
    assert found["spearman", "revenue"][0] == pytest.approx(-3.5 / math.sqrt(17.5 * 17))


def test_it_gives_a_verdict_per_comparison(truth):
    verdicts = compare(evaluate(SCORES, truth))
    beats = {(r.metric, r.baseline): r.beats for r in verdicts.itertuples()}
    assert beats == {("roc_auc", "recency"): False, ("roc_auc", "one_minus_p_alive"): True,
                     ("pr_auc", "recency"): False, ("pr_auc", "one_minus_p_alive"): True,
                     ("brier", "constant"): True, ("spearman", "revenue"): True}


def test_it_labels_churn_over_a_year_when_asked(truth):
    # Nobody but c and e (and h, unscored) buys nothing in 365 days: churn risk ranks
    # c .8 and e .7 above all four others.
    table = evaluate(SCORES, truth, horizon_days=365)
    row = table[(table.metric == "roc_auc") & (table.score == "churn_risk")].iloc[0]
    assert (row.target, row.value) == ("no_purchase_next_365d", pytest.approx(1.0))


def test_it_refuses_what_it_cannot_judge(truth, tmp_path):
    with pytest.raises(InputError, match="horizon_days"):
        evaluate(SCORES, truth, horizon_days=30)
    with pytest.raises(InputError, match="no customer"):
        evaluate(SCORES.assign(customer_id=["x"] * 8), truth)
    with pytest.raises(InputError, match="clv"):
        evaluate(SCORES.drop(columns="clv"), truth)
    path = tmp_path / "bad.csv"
    path.write_text("external_id,alive_at_end\na,true\n", encoding="utf-8")
    with pytest.raises(InputError, match="purchase_rate"):
        read_truth(path)
