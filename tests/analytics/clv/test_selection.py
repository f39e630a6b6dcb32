"""Purchase-model selection on a holdout: the choice, the reference model, the sample."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest

from tenure.analytics import frames
from tenure.analytics.clv import BetaGeo, ModifiedBetaGeo, ParetoNBD
from tenure.analytics.clv.holdout import calibration_holdout, compare_models, holdout_predictions
from tenure.analytics.clv.selection import select_purchase_model
from tenure.analytics.exceptions import InputError
from tenure.analytics.summary import customer_summary

CDNOW = Path("/work/shared/data/cdnow")
AS_OF = "1998-06-30"


@pytest.fixture(scope="module")
def tx():
    if not (CDNOW / "CDNOW_sample.txt").exists():
        pytest.skip("the CDNOW sample is missing")
    return frames.transactions(CDNOW / "CDNOW_sample.txt", con=ibis.duckdb.connect(),
                               columns=[None, "customer_id", "time", None, "amount"]).cache()


@pytest.fixture(scope="module")
def selection(tx):
    return select_purchase_model(tx, AS_OF)


def test_it_chooses_the_candidate_that_predicted_the_holdout_best(selection):
    metrics = selection.comparison.set_index("model")
    assert set(metrics.index) == {"Pareto/NBD", "MBG/NBD", "BG/NBD"}
    assert selection.label == metrics.loc[["Pareto/NBD", "MBG/NBD"], "mae"].idxmin()
    assert selection.label == selection.model.label == selection.calibrated.label
    assert (selection.calibration_end, selection.holdout_days) == (date(1998, 1, 1), 180)


def test_bg_nbd_is_compared_but_never_chosen_and_a_note_says_why(selection):
    assert selection.label != "BG/NBD"
    assert any("BG/NBD" in n and "P(alive) = 100 %" in n for n in selection.notes)


def test_the_comparison_is_the_calibrated_models_holdout_error(tx, selection):
    data = calibration_holdout(tx, selection.calibration_end, AS_OF).to_pandas()
    error = holdout_predictions(selection.calibrated, data) - data["frequency_holdout"]
    metrics = selection.comparison.set_index("model")
    assert metrics.loc[selection.label, "mae"] == pytest.approx(np.abs(error).mean())


def test_the_chosen_model_is_fitted_on_the_whole_history(tx, selection):
    summary = customer_summary(tx, as_of=AS_OF).to_pandas()
    assert selection.model.n_customers_ == len(summary)
    # A one-time buyer of 500 days ago is not certainly alive, as BG/NBD would say.
    one_timer = pd.DataFrame({"frequency": [0], "recency": [0.0], "T": [500.0]})
    assert selection.model.probability_alive(one_timer)[0] < 0.9


def test_many_customers_are_compared_on_a_fixed_sample(tx):
    first = select_purchase_model(tx, AS_OF, max_customers=1000)
    again = select_purchase_model(tx, AS_OF, max_customers=1000)
    assert first.compared_customers == 1000
    assert any("compared on 1,000 of 2,357 customers" in n for n in first.notes)
    pd.testing.assert_frame_equal(first.comparison, again.comparison)
    assert first.model.n_customers_ == 2357  # the chosen model still sees everyone


def test_too_few_repeat_buyers_use_mbg_nbd_without_a_comparison(tx):
    chosen = select_purchase_model(tx, AS_OF, min_repeat_buyers=100_000)
    assert (chosen.label, chosen.comparison, chosen.calibrated) == ("MBG/NBD", None, None)
    assert "without a holdout comparison" in chosen.notes[0]


def test_a_holdout_of_no_days_is_refused(tx):
    with pytest.raises(InputError, match="holdout_days"):
        select_purchase_model(tx, AS_OF, holdout_days=0)


def _first_by_hash(tx, size):
    """The calibration table's first ``size`` customers by a hash of their id."""
    table = calibration_holdout(tx, date(1998, 1, 1), AS_OF)
    return table.order_by([table.customer_id.hash(), table.customer_id]).limit(size)


def test_the_sample_is_the_first_customers_by_a_hash_of_their_id(tx):
    sampled = select_purchase_model(tx, AS_OF, max_customers=500)
    expected = compare_models([ParetoNBD(), ModifiedBetaGeo(), BetaGeo()],
                              _first_by_hash(tx, 500).to_pandas())
    pd.testing.assert_frame_equal(sampled.comparison,
                                  expected.metrics.reset_index(), check_exact=True)


def test_a_sample_short_of_repeat_buyers_is_compared_when_all_customers_are_not(tx):
    sample = _first_by_hash(tx, 50).to_pandas()
    few = int((sample["frequency"] > 0).sum())
    chosen = select_purchase_model(tx, AS_OF, max_customers=50, min_repeat_buyers=few + 1)
    assert chosen.comparison is not None and chosen.compared_customers == 50
