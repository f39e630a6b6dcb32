"""Lift, Brier, ROC and PR AUC on examples worked by hand; Platt scaling against the truth."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tenure.analytics.churn import brier_score, evaluate, lift_top_decile
from tenure.analytics.churn.calibration import PlattCalibrator
from tenure.analytics.churn.metrics import METRIC_COLUMNS, metric_table
from tenure.analytics.exceptions import InputError, NotFittedError


def test_lift_of_a_perfect_ranking_is_one_over_the_churn_rate():
    y = np.array([1, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    assert lift_top_decile(y, np.arange(10, 0, -1)) == pytest.approx(10.0)
    assert lift_top_decile(y, np.arange(10)) == pytest.approx(0.0)  # the churner ranked last


def test_lift_counts_a_tie_at_the_cut_in_proportion():
    # 20 customers, 5 churned (rate 0.25). The top decile is 2 customers, but 4 share the
    # top score, 2 of them churned: the 2 places hold 2 x 2/4 = 1 churner on average,
    # a churn rate of 0.5 and a lift of 2, whatever the order of the tied rows.
    y = np.array([1, 1, 0, 0] + [1, 1, 1] + [0] * 13)
    score = np.array([0.9] * 4 + [0.5] * 3 + [0.1] * 13)
    assert lift_top_decile(y, score) == pytest.approx(2.0)
    order = np.random.default_rng(0).permutation(20)
    assert lift_top_decile(y[order], score[order]) == pytest.approx(2.0)


def test_lift_with_a_fractional_top_group():
    # 15 customers: the top decile holds 1.5 of them, the churner first and half of a
    # stayer: 1 churner in 1.5 places against a rate of 3 / 15.
    y = np.array([1, 0, 1, 1] + [0] * 11)
    score = np.linspace(1, 0, 15)
    assert lift_top_decile(y, score) == pytest.approx((1 / 1.5) / (3 / 15))


def test_lift_without_churners_is_nan():
    assert math.isnan(lift_top_decile(np.zeros(5), np.arange(5)))


def test_brier_score_by_hand():
    # (0.1^2 + 0.2^2 + 0.5^2) / 3
    assert brier_score(np.array([1, 0, 1]), np.array([0.9, 0.2, 0.5])) == pytest.approx(0.1)


def test_evaluate_by_hand():
    y = np.array([1, 0, 1, 0])
    p = np.array([0.8, 0.6, 0.4, 0.2])
    result = evaluate(y, p)
    # Pairs (churner, stayer) ranked right: (0.8, 0.6), (0.8, 0.2), (0.4, 0.2): 3 of 4.
    assert result["roc_auc"] == pytest.approx(0.75)
    # Precision at each churner: 1/1 (recall 0.5), 2/3 (recall 1): 0.5 + 0.5 * 2/3.
    assert result["pr_auc"] == pytest.approx(0.5 + 0.5 * 2 / 3)
    assert result["brier"] == pytest.approx((0.04 + 0.36 + 0.36 + 0.04) / 4)
    assert result["lift_top_decile"] == pytest.approx(1 / 0.5)  # 0.4 places, a churner
    assert (result["n"], result["churn_rate"]) == (4, 0.5)


def test_one_class_has_no_auc_and_bad_inputs_are_refused():
    result = evaluate(np.ones(4), np.linspace(0, 1, 4))
    assert math.isnan(result["roc_auc"]) and math.isnan(result["pr_auc"])
    with pytest.raises(InputError, match="0/1"):
        evaluate(np.array([0, 2]), np.array([0.1, 0.2]))
    with pytest.raises(InputError, match="one score per label"):
        evaluate(np.array([0, 1]), np.array([0.1]))


def test_metric_table_has_one_row_per_score():
    y = np.array([1, 0, 1, 0])
    table = metric_table(y, {"model": np.array([0.9, 0.1, 0.8, 0.2]),
                             "coin": np.full(4, 0.5)})
    assert list(table.columns) == METRIC_COLUMNS
    assert table.set_index("model").loc["model", "roc_auc"] == pytest.approx(1.0)
    assert table.set_index("model").loc["coin", "roc_auc"] == pytest.approx(0.5)


def test_platt_scaling_recovers_a_known_logistic_curve():
    rng = np.random.default_rng(1)
    x = rng.normal(size=40_000)
    truth = 1 / (1 + np.exp(-(2 * x - 1)))
    y = rng.random(len(x)) < truth
    # The score is a monotone but badly scaled version of the truth's log-odds.
    score = 5 * x + 3
    grid = np.linspace(-2, 2, 9)
    fitted = PlattCalibrator().fit(score, y).predict(5 * grid + 3)
    assert np.allclose(fitted, 1 / (1 + np.exp(-(2 * grid - 1))), atol=0.02)


def test_platt_scaling_keeps_the_ranking_and_stays_finite_when_separated():
    score = np.array([-3.0, -1.0, 1.0, 3.0])
    y = np.array([0, 0, 1, 1])  # perfectly separated: plain maximum likelihood diverges
    p = PlattCalibrator().fit(score, y).predict(score)
    assert np.all(np.diff(p) > 0)
    # Platt's smoothed targets, 1 / (N- + 2) = 0.25 and (N+ + 1) / (N+ + 2) = 0.75, hold
    # the curve back: symmetric data give symmetric probabilities, never near 0 or 1.
    assert p[0] + p[-1] == pytest.approx(1.0) and p[1] + p[2] == pytest.approx(1.0)
    assert 0.1 < p[0] < 0.3 and 0.7 < p[-1] < 0.9


def test_an_unfitted_calibrator_says_so():
    with pytest.raises(NotFittedError):
        PlattCalibrator().predict(np.array([1.0]))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_aucs_are_scikit_learns(seed):
    from sklearn.metrics import average_precision_score, roc_auc_score

    from tenure.analytics.churn.metrics import average_precision, roc_auc

    rng = np.random.default_rng(seed)
    n = 5000
    churned = rng.random(n) < 0.3
    # Ties on purpose: a coarse score (days) and an informative continuous one.
    for score in (rng.integers(0, 40, n) + 10 * churned, rng.random(n) + 0.3 * churned):
        assert roc_auc(churned, score) == pytest.approx(roc_auc_score(churned, score),
                                                       rel=1e-12)
        assert average_precision(churned, score) == pytest.approx(
            average_precision_score(churned, score), rel=1e-12)


def test_the_documented_examples_hold():
    import doctest

    from tenure.analytics.churn import metrics

    result = doctest.testmod(metrics)
    assert result.attempted >= 1 and result.failed == 0
