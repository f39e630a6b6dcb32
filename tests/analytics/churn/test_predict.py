"""The whole churn model on a simulated shop whose churn driver is known: complaints."""

from __future__ import annotations

import warnings
from datetime import timedelta

import ibis
import numpy as np
import pandas as pd
import pytest

from tenure.analytics import frames
from tenure.analytics.churn import (
    IMPORTANCE_COLUMNS,
    METRIC_COLUMNS,
    SCORE_COLUMNS,
    SNAPSHOT_COLUMNS,
    ChurnWarning,
    churn_features,
    describe,
    predict_churn,
)
from tenure.analytics.exceptions import InputError

from .shop import DAYS, START, simulate

START_TIME = pd.Timestamp(START)


@pytest.fixture(scope="module")
def shop():
    return simulate()


@pytest.fixture(scope="module")
def result(shop):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ChurnWarning)  # a weak model must not pass quietly
        return predict_churn(shop["transactions"], complaints=shop["complaints"])


def test_one_horizon_for_the_shop_from_its_rhythm(result, shop):
    # The shop's customers buy every 30 days on average (a Gamma(2, 1/60) rate): the
    # median typical gap of its repeat buyers, doubled, reads as 60 days.
    horizon = result.horizon
    assert horizon.days == 60 and horizon.rhythm and not horizon.per_customer
    assert 20 <= horizon.shop_gap <= 40
    assert horizon.describe() == "no purchase within 60 days"
    assert result.notes[0].startswith("Churn = no purchase within 60 days: about 2 x the "
                                      "shop's typical gap between purchases")
    assert set(result.scores["horizon_days"]) == {60}


def test_the_model_beats_every_baseline(result):
    m = result.metrics.set_index("model")
    assert list(result.metrics.columns) == METRIC_COLUMNS
    assert list(m.index) == ["model", "recency", "p_alive", "expected_purchases"]
    for baseline in ("recency", "p_alive", "expected_purchases"):
        for metric in ("roc_auc", "pr_auc"):
            assert m.loc["model", metric] > m.loc[baseline, metric], (baseline, metric)
    assert m.loc["model", "lift_top_decile"] > m.loc["recency", "lift_top_decile"]
    assert m.loc["model", "brier"] < m.loc["recency", "brier"]
    assert m.loc["model", "roc_auc"] > 0.8
    # Every score is judged on the same customers of the same snapshot.
    assert m["n"].nunique() == 1 and m["churn_rate"].nunique() == 1


def test_the_reasons_name_the_driver(result):
    importance = result.importance
    assert list(importance.columns) == IMPORTANCE_COLUMNS
    by_family = importance.groupby("family")["gain_share"].sum()
    assert by_family["complaints"] > 0.03
    assert by_family[["campaigns", "interactions", "feedback", "subscription"]].sum() == 0
    scores = result.scores
    top = scores.head(len(scores) // 10)
    complained = top[top["complaints_open"] > 0]
    assert len(complained) >= 10
    named = complained["reasons"].map(
        lambda rs: any(r["code"] in ("complaints_open", "complaints") for r in rs))
    assert named.mean() >= 0.8
    # Customers without complaints never get a complaints reason.
    quiet = scores[scores["complaints_open"] == 0]["reasons"]
    assert not quiet.map(lambda rs: any(r["code"] == "complaints_open" for r in rs)).any()
    example = next(r for r in complained["reasons"].iloc[0] if r["code"].startswith("compl"))
    assert "complaint" in describe(example) and "жалоб" in describe(example, "ru")


def test_the_scores_table(result, shop):
    scores = result.scores
    assert list(scores.columns) == SCORE_COLUMNS
    assert scores["customer_id"].is_unique
    assert scores["churn_risk"].between(0, 1).all()
    assert scores["churn_risk"].is_monotonic_decreasing
    assert scores["reasons"].map(len).between(0, 3).all()
    assert scores["reasons"].iloc[0]  # the riskiest customer has reasons
    # Every customer who bought within 365 days of the last day is scored, nobody else.
    tx = shop["transactions"]
    last = tx["time"].max().normalize()
    recent = tx[tx["time"] > last - pd.Timedelta(days=364)]["customer_id"].unique()
    assert set(scores["customer_id"]) == set(recent)
    assert result.as_of == last.date()


def test_snapshots_respect_time(result):
    snaps = result.snapshots
    assert list(snaps.columns) == SNAPSHOT_COLUMNS
    test = pd.Timestamp(result.test_snapshot)
    days = result.horizon.days
    assert result.test_snapshot == result.as_of - timedelta(days=days)
    validation = snaps[snaps["stage"] == "validation"]
    learning = validation[validation["role"] != "test"]["snapshot"]
    # Nothing the validation learns from has a label window past the test snapshot.
    assert (learning + pd.Timedelta(days=days) <= test).all()
    assert (validation[validation["role"] == "train"]["snapshot"].max()
            < validation[validation["role"] == "calibration"]["snapshot"].min())
    final = snaps[snaps["stage"] == "final"]
    assert final[final["role"] == "calibration"]["snapshot"].max() == test
    assert (snaps.loc[snaps["role"] != "score", "churn_rate"].between(0.05, 0.95)).all()


def test_the_scored_risk_is_the_models_prediction(result, shop):
    # The scores take the risk from the contributions' sum; it must be what the trees say.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = churn_features(shop["transactions"], result.as_of, horizon=result.horizon,
                              complaints=shop["complaints"])
    rows = rows.set_index("customer_id").loc[result.scores["customer_id"]].reset_index()
    np.testing.assert_allclose(result.scores["churn_risk"], result.model.predict_proba(rows),
                               rtol=0, atol=1e-12)


def test_a_model_trained_with_complaints_scores_a_shop_without_them(result, shop):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = churn_features(shop["transactions"], result.as_of, horizon=result.horizon)
    risk = result.model.predict_proba(rows)
    assert len(risk) == len(rows) and np.all((risk > 0) & (risk < 1))


def other_sources(shop) -> dict[str, pd.DataFrame]:
    """Feedback, contacts, campaign messages and contracts for some of the customers."""
    rng = np.random.default_rng(5)
    tx = shop["transactions"]
    first = tx.groupby("customer_id")["time"].min()
    some = first.sample(frac=0.3, random_state=1)
    n = len(some)

    def times(lo: int, hi: int) -> pd.Series:
        return (some + pd.to_timedelta(rng.integers(lo, hi, n), unit="D")).to_numpy()

    feedback = pd.DataFrame({"customer_id": some.index, "time": times(1, 400),
                             "kind": rng.choice(["nps", "csat", "ces"], n),
                             "score": rng.integers(1, 6, n)})
    interactions = pd.DataFrame({"customer_id": some.index, "time": times(1, 400),
                                 "direction": rng.choice(["in", "out"], n)})
    sent = times(1, 400)
    messages = pd.DataFrame({"customer_id": some.index, "sent_at": sent,
                             "responded_at": np.where(rng.random(n) < 0.3,
                                                      sent + np.timedelta64(1, "D"),
                                                      np.datetime64("NaT"))})
    start = times(0, 30)
    subscriptions = pd.DataFrame({"customer_id": some.index, "start": start,
                                  "end": start + np.timedelta64(400, "D")})
    return {"feedback": feedback, "interactions": interactions, "messages": messages,
            "subscriptions": subscriptions}


def test_it_is_deterministic_samples_large_data_and_reads_every_source(shop):
    tx = shop["transactions"]
    sources = other_sources(shop)
    steps: list[tuple[str, int, int]] = []
    runs = [predict_churn(tx, horizon=90, step_days=60, max_training_rows=10_000, **sources,
                          progress=lambda *step: steps.append(step)) for _ in range(2)]
    assert any("sample of" in note for note in runs[0].notes)
    pd.testing.assert_frame_equal(runs[0].metrics, runs[1].metrics)
    pd.testing.assert_frame_equal(runs[0].scores, runs[1].scores)
    assert steps[-1] == ("done", 5, 5) and all(done <= total for _, done, total in steps)
    # Subscribers are scored while their contract runs (start <= day < end), bought
    # recently or not.
    contracts = sources["subscriptions"]
    as_of = pd.Timestamp(runs[0].as_of)
    running = contracts[(contracts["start"].dt.normalize() <= as_of)
                        & (contracts["end"].dt.normalize() > as_of)]
    scores = runs[0].scores.set_index("customer_id")
    assert len(running) > 0 and set(running["customer_id"]) <= set(scores.index)
    # The sample trains and calibrates; the test snapshot still has every customer.
    snaps = runs[0].snapshots
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for role in ("test", "train"):
            row = snaps[(snaps["stage"] == "validation") & (snaps["role"] == role)].iloc[-1]
            everyone = churn_features(tx, row["snapshot"], horizon=90, **sources)
            if role == "test":
                assert row["customers"] == len(everyone)
            else:
                assert row["customers"] < 0.5 * len(everyone)


def test_too_short_a_history_is_refused_with_what_is_needed(shop):
    tx = shop["transactions"]
    early = tx[tx["time"] < pd.Timestamp(START) + pd.Timedelta(days=DAYS // 2)]
    with pytest.raises(InputError, match=r"needs 965 days .* horizon=120 needs 450 days"):
        predict_churn(early, horizon="rhythm")
    # "auto" on 340 days: the first customers' gap (about 19 days) asks for 30 days,
    # which the history holds.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ChurnWarning)  # ten months: weak metrics, noted
        result = predict_churn(early[early["time"] < START_TIME + pd.Timedelta(days=340)])
    assert result.horizon.days == 30 and result.horizon.rhythm
    assert result.notes[0].startswith("Churn = no purchase within 30 days")
    with pytest.raises(InputError, match=r"Even a 30-day horizon needs 270 days"):
        predict_churn(early[early["time"] < START_TIME + pd.Timedelta(days=250)])


def test_an_engine_table_is_read_where_it_lies_and_left_clean(shop):
    con = ibis.duckdb.connect()
    tx = con.create_table("tx", frames.transactions(shop["transactions"], con=con))
    with pytest.raises(InputError, match=r"purchases span 364 days"):
        predict_churn(tx, as_of=START + timedelta(days=364), horizon=365, con=con)
    tables = con.raw_sql("SELECT table_name FROM duckdb_tables()").fetchall()
    assert tables == [("tx",)]  # the materialised customer-days are gone


def test_predictions_on_threads_are_those_on_one(result, shop, monkeypatch):
    from tenure.analytics.churn import model as churn_model

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = churn_features(shop["transactions"], result.as_of, horizon=result.horizon)
    monkeypatch.setattr(churn_model, "PREDICTION_CHUNK_ROWS", 97)  # several chunks
    one = result.model.log_odds(rows, threads=1)
    two = result.model.log_odds(rows, threads=2)
    assert len(rows) > 3 * 97 and np.array_equal(one, two)
