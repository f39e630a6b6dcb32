"""Churn features on hand-made tables whose answers are worked out by hand."""

from __future__ import annotations

import math
import warnings

import ibis
import numpy as np
import pandas as pd
import pytest

from tenure.analytics.churn import FEATURES, Horizon, churn_features
from tenure.analytics.exceptions import InputError

SNAPSHOT = "2024-03-31"


def frame(rows, columns):
    df = pd.DataFrame(rows, columns=columns)
    for c in columns[1:]:
        if c not in ("amount", "kind", "score", "direction", "channel"):
            df[c] = pd.to_datetime(df[c], format="ISO8601")
    return df


def shop(future: bool = True) -> dict[str, pd.DataFrame]:
    """Customers a..g as of 2024-03-31; with ``future``, rows after it in every table."""
    tx = [
        ("a", "2023-12-01 10:00", 100.0),
        ("a", "2024-01-10 09:00", 50.0), ("a", "2024-01-10 18:00", 30.0),  # one purchase day
        ("a", "2024-02-09 12:00", 40.0),
        ("a", "2024-03-01 12:00", 60.0),  # exactly 30 days before the snapshot
        ("a", "2024-03-05 12:00", -20.0),  # a return
        ("b", "2024-02-15 12:00", 25.0),  # one purchase
        ("c", "2023-06-01 12:00", 10.0), ("c", "2023-06-11 12:00", 10.0),  # gap 10
        ("d", "2023-03-01 12:00", 10.0),  # 396 days: not active
        ("e", "2023-04-01 12:00", 10.0),  # 365 days: just out of the window
        ("f", "2023-04-02 12:00", 10.0),  # 364 days: just in
    ]
    feedback = [
        ("a", "2024-01-15", "nps", 9), ("a", "2024-03-20", "nps", 4),
        ("a", "2024-02-01", "csat", 2), ("a", "2024-03-31 23:00", "ces", 5),
        ("b", "2023-01-10", "nps", 3),  # more than a year old: not a recent detractor
    ]
    complaints = [
        ("a", "2024-02-01", None),  # open
        ("a", "2024-03-01", "2024-04-03"),  # resolved after the snapshot: open at it
        ("a", "2023-01-15", "2023-01-20"),  # older than 365 days
        ("b", "2024-02-20", "2024-02-22"),  # resolved
    ]
    interactions = [
        ("a", "2024-03-10 10:00", "in"), ("a", "2024-01-15 10:00", "out"),
        ("a", "2023-12-15 10:00", "Inbound"),  # older than 90 days
    ]
    messages = [
        ("a", "2024-01-01", "2024-01-02"),
        ("a", "2024-03-01", "2024-04-02"),  # answered after the snapshot: no response yet
        ("a", "2024-03-25", None),
        ("b", "2023-01-01", "2023-01-02"),  # older than 365 days
    ]
    subscriptions = [("g", "2024-01-01", "2024-05-01"), ("h", "2023-01-01", "2024-01-01")]
    if future:
        tx += [("a", "2024-04-10 12:00", 999.0), ("a", "2024-04-02 12:00", -10.0),
               ("b", "2024-04-01 00:00", 5.0), ("d", "2024-04-15", 1.0),
               ("new", "2024-04-02", 50.0)]
        feedback += [("a", "2024-04-05", "nps", 10), ("a", "2024-04-01 00:00", "ces", 1),
                     ("b", "2024-04-10", "nps", 0)]
        complaints += [("a", "2024-04-02", None), ("c", "2024-04-05", None)]
        interactions += [("a", "2024-04-01 08:00", "in"), ("b", "2024-05-01", "in")]
        messages += [("a", "2024-04-01", "2024-04-01"), ("c", "2024-04-20", None)]
        subscriptions += [("g", "2024-05-01", "2025-05-01"), ("b", "2024-04-10", None)]
    return {
        "tx": frame(tx, ["customer_id", "time", "amount"]),
        "feedback": frame(feedback, ["customer_id", "time", "kind", "score"]),
        "complaints": frame(complaints, ["customer_id", "opened_at", "resolved_at"]),
        "interactions": frame(interactions, ["customer_id", "time", "direction"]),
        "messages": frame(messages, ["customer_id", "sent_at", "responded_at"]),
        "subscriptions": frame(subscriptions, ["customer_id", "start", "end"]),
    }


def features(data, **kwargs):
    tables = {k: v for k, v in data.items() if k != "tx"}
    tables.update(kwargs)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = churn_features(data["tx"], SNAPSHOT, con=ibis.duckdb.connect(), **tables)
    # Five customers are too few for BG/NBD, and the function says so.
    assert any("BG/NBD" in str(w.message) for w in caught)
    return out.set_index("customer_id")


@pytest.fixture(scope="module")
def table():
    return features(shop())


def test_the_population_is_who_bought_within_the_window_or_holds_a_contract(table):
    # d (396 days) and e (exactly 365) are out; f (364) is in; g is a subscriber who never
    # bought; h's contract ended before the snapshot; "new" bought only after it.
    assert sorted(table.index) == ["a", "b", "c", "f", "g"]
    assert list(table.columns) == list(FEATURES)


def test_purchase_features_worked_by_hand(table):
    a = table.loc["a"]
    assert a.recency_days == 30  # 2024-03-01 to 2024-03-31
    assert a.frequency == 3  # four purchase days; the two orders of 01-10 are one day
    assert a.tenure_days == 121  # 2023-12-01 to 2024-03-31 (2024 is a leap year)
    # The last 30 days are 03-02..03-31: the purchase of 03-01 is 30 days old, outside.
    assert (a.orders_30d, a.orders_90d, a.orders_365d, a.orders_prev_90d) == (0, 4, 5, 1)
    assert a.revenue_30d == pytest.approx(-20.0)  # only the return
    assert a.revenue_90d == pytest.approx(50 + 30 + 40 + 60 - 20)
    assert a.revenue_365d == pytest.approx(260.0)
    assert a.average_check == pytest.approx(260 / 5)
    assert a.trend_90d == pytest.approx((4 - 1) / (4 + 1))
    # Gaps between purchase days: 40, 30, 21 -> median 30, over n = 3 gaps. The shop's
    # typical gap is the median over its repeat buyers, a (30) and c (10): 20. Shrunk with
    # m = 3: (3 x 30 + 3 x 20) / 6 = 25.
    assert a.typical_gap_days == pytest.approx(25.0)
    assert a.overdue_ratio == pytest.approx(30 / 25)
    c = table.loc["c"]  # one gap of 10 days: (10 + 3 x 20) / 4
    assert c.typical_gap_days == pytest.approx(17.5)
    assert (a.returns_365d, a.returned_amount_365d) == (1, 20.0)
    assert a.return_share_365d == pytest.approx(20 / 280)


def test_the_auto_horizon_is_one_for_the_shop_from_its_rhythm(table):
    # The shop's typical gap is 20 days (a: 30, c: 10); 2 x 20 = 40 days, and the readable
    # horizon nearest by ratio is 30 (40/30 = 1.33 < 60/40 = 1.5), for everybody.
    assert set(table.horizon_days) == {30}
    # A one-time buyer has no rhythm of their own: theirs is the shop's.
    b = table.loc["b"]
    assert b.frequency == 0 and b.typical_gap_days == 20 and b.overdue_ratio == 45 / 20


def test_rhythm_horizon_and_the_shops_median_for_one_time_buyers():
    # a: 2 x 30 = 60. c: 2 x 10 = 20, raised to the 30-day floor. The shop's typical gap
    # is the median over its repeat buyers, a (30) and c (10): 20, so the one-time buyers
    # b and f get 2 x 20 = 40. g never bought: the longest horizon.
    out = features(shop(), horizon="rhythm")
    assert out.horizon_days.to_dict() == {"a": 60, "b": 40, "c": 30, "f": 40, "g": 365}


def test_a_fixed_horizon_is_the_same_for_everyone():
    out = features(shop(), horizon=45)
    assert set(out.horizon_days) == {45}
    out = features(shop(), horizon=Horizon(k=3, min_days=10, max_days=80))
    assert out.horizon_days.to_dict() == {"a": 80, "b": 60, "c": 30, "f": 60, "g": 80}


def test_feedback_last_answers_and_the_nps_drop(table):
    a = table.loc["a"]
    assert (a.nps_last, a.nps_previous, a.nps_change) == (4, 9, -5)
    assert a.detractor_answers_365d == 1
    assert (a.csat_last, a.ces_last) == (2, 5)  # 23:00 on the snapshot day counts
    b = table.loc["b"]
    assert b.nps_last == 3 and math.isnan(b.nps_previous) and b.detractor_answers_365d == 0


def test_complaints_open_at_the_snapshot(table):
    # Resolved after the snapshot still counts as open at it; the 2023-01 one is too old.
    assert (table.loc["a", "complaints_365d"], table.loc["a", "complaints_open"]) == (2, 2)
    assert (table.loc["b", "complaints_365d"], table.loc["b", "complaints_open"]) == (1, 0)
    assert table.loc["c", "complaints_open"] == 0


def test_interactions_and_campaign_messages(table):
    a = table.loc["a"]
    assert (a.interactions_90d, a.inbound_90d, a.days_since_interaction) == (2, 1, 21)
    assert (a.messages_365d, a.responses_365d) == (3, 1)
    assert a.response_rate_365d == pytest.approx(1 / 3)
    b = table.loc["b"]
    assert b.interactions_90d == 0 and math.isnan(b.days_since_interaction)
    assert b.messages_365d == 0 and math.isnan(b.response_rate_365d)


def test_subscribers_and_their_contracts(table):
    g = table.loc["g"]
    assert (g.subscribed, g.contract_days_left) == (1, 31)  # ends 2024-05-01
    assert math.isnan(g.recency_days) and g.frequency == 0 and g.orders_365d == 0
    assert table.loc["a", "subscribed"] == 0 and math.isnan(table.loc["a",
                                                                      "contract_days_left"])


def test_nothing_after_the_snapshot_leaks():
    with_future, without = features(shop(future=True)), features(shop(future=False))
    pd.testing.assert_frame_equal(with_future, without)


def test_missing_sources_give_the_same_columns_with_neutral_values(table):
    data = shop()
    out = features({"tx": data["tx"]})
    assert list(out.columns) == list(FEATURES)
    assert sorted(out.index) == ["a", "b", "c", "f"]  # no contracts: g is not a customer
    for count in ("complaints_open", "complaints_365d", "interactions_90d", "messages_365d",
                  "responses_365d", "detractor_answers_365d", "subscribed"):
        assert (out[count] == 0).all(), count
    for unknown in ("nps_last", "csat_last", "days_since_interaction", "response_rate_365d",
                    "contract_days_left"):
        assert out[unknown].isna().all(), unknown
    # The purchase features do not depend on the other sources.
    pd.testing.assert_frame_equal(out[FEATURES_OF_PURCHASES], table.loc[out.index,
                                                                        FEATURES_OF_PURCHASES])


FEATURES_OF_PURCHASES = ["recency_days", "frequency", "tenure_days", "orders_90d",
                         "revenue_365d", "typical_gap_days", "horizon_days", "returns_365d"]


@pytest.mark.parametrize(("source", "drop", "named"), [
    ("complaints", "resolved_at", "resolved_at"),
    ("complaints", "opened_at", "opened_at"),
    ("messages", "responded_at", "responded_at"),
    ("subscriptions", "end", "end"),
    ("interactions", "time", "time"),
    ("feedback", "score", "score"),
])
def test_a_source_without_a_required_column_is_refused_naming_it(source, drop, named):
    data = shop()
    data[source] = data[source].drop(columns=[drop])
    with pytest.raises(InputError, match=rf"^{source}: .*\b{named}\b"):
        churn_features(data["tx"], SNAPSHOT, **{source: data[source]})


def test_order_ids_count_orders_and_returns():
    tx = pd.DataFrame({
        "customer_id": ["a"] * 4,
        "time": pd.to_datetime(["2024-03-01", "2024-03-01", "2024-03-10", "2024-03-12"]),
        "amount": [10.0, 5.0, 20.0, -5.0],
        "order_id": ["o1", "o1", "o2", "o2"],  # two lines of o1; a return of o2
    })
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # one customer: no BG/NBD
        out = churn_features(tx, SNAPSHOT).set_index("customer_id").loc["a"]
    assert (out.orders_30d, out.orders_90d, out.returns_365d) == (1, 2, 1)
    assert out.average_check == pytest.approx(30 / 2)


def test_expected_purchases_between_grid_horizons_stay_close_to_exact():
    from tenure.analytics.churn.btyd import expected_purchases
    from tenure.analytics.clv import BetaGeo
    from tenure.analytics.clv.simulation import bg_nbd

    rng = np.random.default_rng(3)
    rft = bg_nbd(3000, 0.6, 40.0, 0.8, 2.5, T=rng.integers(30, 900, 3000).astype(float),
                 seed=3)[["frequency", "recency", "T"]]
    model = BetaGeo(time_unit="day").fit(rft)
    horizons = rng.integers(30, 366, len(rft)).astype(float)
    approx = expected_purchases(model, rft, horizons)
    exact = np.array([model.expected_purchases(rft.iloc[[i]], horizons[i])[0]
                      for i in range(0, len(rft), 30)])
    assert np.allclose(approx[::30], exact, rtol=5e-3, atol=1e-9)


def test_one_snapshot_alone_has_the_features_it_has_among_others():
    from datetime import timedelta

    from tenure.analytics.churn.features import compute_snapshots
    from tenure.analytics.churn.inputs import prepare

    data = shop()
    prepared = prepare(data["tx"], con=ibis.duckdb.connect(),
                       **{k: v for k, v in data.items() if k != "tx"})
    try:
        day = prepared.day_of(SNAPSHOT, "snapshot")
        earlier = day - timedelta(days=30)
        kwargs = dict(horizon=Horizon(days=90), window_days=365, sources=prepared.sources)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # five customers: BG/NBD says they are too few
            alone = compute_snapshots(prepared.days, [day], **kwargs)[day]
            among = compute_snapshots(prepared.days, [earlier, day], **kwargs)
    finally:
        prepared.close()
    assert len(alone.frame) > 0 and len(among[earlier].frame) > 0
    pd.testing.assert_frame_equal(alone.frame, among[day].frame)
    assert alone.notes == among[day].notes


def test_the_snapshot_frames_are_the_engine_table_read_plainly():
    # The reference: the engine's table read through pandas, each snapshot's rows sorted
    # by customer, MBG/NBD added, the active ones kept and every feature parsed to float.
    from datetime import timedelta

    from tenure.analytics.churn.btyd import add_btyd
    from tenure.analytics.churn.features import compute_snapshots, snapshot_table
    from tenure.analytics.churn.inputs import prepare

    data = shop()
    prepared = prepare(data["tx"], con=ibis.duckdb.connect(),
                       **{k: v for k, v in data.items() if k != "tx"})
    try:
        day = prepared.day_of(SNAPSHOT, "snapshot")
        dates = [day - timedelta(days=60), day]
        kwargs = dict(horizon=Horizon(days=90), window_days=365, sources=prepared.sources)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a few customers: MBG/NBD says they are too few
            fast = compute_snapshots(prepared.days, dates, **kwargs)
            panel = snapshot_table(prepared.days, dates, **kwargs).to_pandas()
            for s in dates:
                rows = panel[pd.to_datetime(panel["snapshot"]).dt.date == s]
                rows = rows.sort_values("customer_id").reset_index(drop=True)
                add_btyd(rows, s)
                rows = rows[rows["active"].astype(bool)].reset_index(drop=True)
                expected = rows[list(FEATURES)].apply(pd.to_numeric, errors="coerce")
                expected.insert(0, "customer_id", rows["customer_id"].astype("string"))
                assert len(expected) > 0
                pd.testing.assert_frame_equal(fast[s].frame, expected.astype(
                    {c: "float64" for c in FEATURES}))
    finally:
        prepared.close()
