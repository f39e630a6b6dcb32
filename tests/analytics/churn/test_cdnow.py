"""Real data: the churn risk on CDNOW ranks the customers lost in the next 39 weeks.

Every purchase of CDNOW's 23,570 customers (all of them first bought in the first quarter
of 1997) up to 1997-09-30 calibrates; each customer is then labelled by the real data:
churned = no purchase in the 39 weeks after (1997-10-01 to 1998-06-30). The churn risk
must rank them better than the two usual answers (Fader & Hardie's calibration/holdout
split, DESIGN.md): days since the last purchase, and a BTYD model's expected purchases
in those 39 weeks, fitted on the calibration period alone.

The horizon is ``"auto"``: nine months of history hold labelled training snapshots, a
calibration and a later test snapshot only for a 30-day horizon (`schedule`), so the
model learns "no purchase within 30 days" and is judged here on 273 days, a harder test
than its own. Nothing here tuned the model: its settings were chosen on the demo shop
and on the snapshots before 1997-09-30.

Measured (ROC AUC on the 39 weeks): churn risk 0.766; BG/NBD expected purchases 0.763,
MBG/NBD 0.765, recency 0.759. Pareto/NBD's expected purchases, a model the churn features
do not use, rank better still, 0.769: the churn model does not beat it yet. (Taking the
churn features from the model the library selects does not change that: on this holdout,
1997-07-02 to 09-30, the selection picks MBG/NBD, 0.378 purchases of mean absolute error
against Pareto/NBD's 0.381.)
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from tenure.analytics.churn import predict_churn
from tenure.analytics.clv import BetaGeo, ModifiedBetaGeo

MASTER = Path("/work/shared/data/cdnow/CDNOW_master.txt")
CALIBRATION_END = pd.Timestamp("1997-09-30")
HOLDOUT_END = CALIBRATION_END + pd.Timedelta(weeks=39)

pytestmark = pytest.mark.skipif(not MASTER.exists(), reason="the CDNOW master file is absent")


@pytest.fixture(scope="module")
def cdnow():
    raw = pd.read_csv(MASTER, sep=r"\s+", header=0,
                      dtype={"customer_id": str, "date": str})
    return pd.DataFrame({"customer_id": raw["customer_id"],
                         "time": pd.to_datetime(raw["date"], format="%Y%m%d"),
                         "amount": raw["dollar_value"]})


@pytest.fixture(scope="module")
def scored(cdnow):
    calibration = cdnow[cdnow["time"] <= CALIBRATION_END]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # early snapshots' BTYD fits warn; noted, not news
        result = predict_churn(calibration, as_of="1997-09-30")
    scores = result.scores.set_index("customer_id")
    later = cdnow[(cdnow["time"] > CALIBRATION_END) & (cdnow["time"] <= HOLDOUT_END)]
    churned = ~scores.index.isin(later["customer_id"].unique())
    return result, scores, churned, calibration


def btyd_summary(calibration: pd.DataFrame, ids: pd.Index) -> pd.DataFrame:
    """Return frequency, recency and T in days as of the calibration end (DESIGN.md)."""
    days = calibration.assign(day=calibration["time"].dt.normalize())
    per = days.drop_duplicates(["customer_id", "day"]).groupby("customer_id")["day"]
    summary = pd.DataFrame({"frequency": per.count() - 1,
                            "recency": (per.max() - per.min()).dt.days,
                            "T": (CALIBRATION_END - per.min()).dt.days})
    return summary.loc[ids].astype(float)


def test_the_horizon_is_what_nine_months_allow(scored):
    result, scores, churned, _ = scored
    assert result.horizon.days == 30 and not result.horizon.rhythm
    assert "too short" in result.notes[0]
    assert len(scores) == 23_570 and 0.6 < churned.mean() < 0.8


def test_churn_risk_ranks_the_39_weeks_better_than_recency_and_btyd(scored):
    result, scores, churned, calibration = scored
    summary = btyd_summary(calibration, scores.index)
    auc = {"model": roc_auc_score(churned, scores["churn_risk"]),
           "recency": roc_auc_score(churned, scores["recency_days"])}
    for model in (BetaGeo, ModifiedBetaGeo):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fitted = model(time_unit="day").fit(summary)
        auc[model.__name__] = roc_auc_score(churned,
                                            -fitted.expected_purchases(summary, 273.0))
    assert auc["model"] > auc["recency"], auc
    assert auc["model"] > auc["BetaGeo"], auc
    assert auc["model"] > auc["ModifiedBetaGeo"], auc
    assert np.isclose(auc["model"], 0.766, atol=0.01), auc
