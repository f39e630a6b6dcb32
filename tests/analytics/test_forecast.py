"""Sales forecasts: the history counted in the engine, MASE, model choice, intervals, bottom-up."""

from __future__ import annotations

import warnings
from datetime import date

import ibis
import numpy as np
import pandas as pd
import pytest
from scipy.special import hyp2f1

from tenure.analytics import frames
from tenure.analytics.clv import BetaGeo, GammaGamma
from tenure.analytics.clv import simulation as clv_simulation
from tenure.analytics.exceptions import InputError
from tenure.analytics.forecast import (
    BACKTEST_COLUMNS,
    FORECAST_COLUMNS,
    HISTORY_COLUMNS,
    bottom_up_forecast,
    mase,
    sales_forecast,
    sales_history,
)


@pytest.fixture
def con():
    return ibis.duckdb.connect()


def tx_of(con, records, columns=("customer_id", "time", "amount", "order_id", "store")):
    return frames.transactions(pd.DataFrame(records, columns=list(columns)), con=con)


def series(history: pd.DataFrame, by: str, group: str) -> pd.DataFrame:
    rows = history[(history.by == by) & (history.group == group)]
    return rows.set_index(rows.period.dt.strftime("%Y-%m-%d"))


# --- MASE -----------------------------------------------------------------------------------


def test_mase_scales_each_window_by_its_own_in_sample_naive_error():
    y = np.array([1.0, 3, 2, 4, 6, 5])
    # Origin 3: train 1 3 2, naive errors 2 1 (Q = 1.5); forecast errors |4-5| |6-5|.
    # Origin 4: train 1 3 2 4, naive errors 2 1 2 (Q = 5/3); forecast errors |6-4| |5-4|.
    by_hand = np.mean([1 / 1.5, 1 / 1.5, 2 / (5 / 3), 1 / (5 / 3)])

    result = mase(y, np.array([[5.0, 5.0], [4.0, 4.0]]), [3, 4], 1)

    assert result == pytest.approx(by_hand) == pytest.approx(47 / 60)


def test_mase_with_a_season_compares_with_the_value_one_season_back():
    y = np.array([1.0, 5, 2, 6, 3, 8])
    # Train 1 5 2 6 with m = 2: |2-1| |6-5| (Q = 1); errors |3-2| |8-6|.
    assert mase(y, np.array([[2.0, 6.0]]), [4], 2) == pytest.approx(1.5)


def test_mase_is_nan_when_the_training_series_is_constant():
    assert np.isnan(mase(np.array([2.0, 2, 2, 2, 3]), np.array([[2.0]]), [4], 1))


# --- history ---------------------------------------------------------------------------------


SHOP = [
    ("a", "2024-01-03 10:00", 10.0, "o1", "S1"),
    ("a", "2024-01-03 10:00", 5.0, "o1", "S1"),  # a second line of the same order
    ("b", "2024-01-20 12:00", 20.0, "o2", "S1"),
    ("a", "2024-02-02 09:00", -5.0, "o1", "S1"),  # a return: less revenue, not an order
    ("c", "2024-04-10 18:00", 30.0, "o3", "S2"),  # nothing at all in March
    ("c", "2024-04-12 18:00", 7.0, "o4", None),
    ("c", "2024-04-20 18:00", 1000.0, "o5", "S2"),  # after as_of: not counted
]


def test_history_counts_revenue_net_of_returns_and_orders_without_them(con):
    history = sales_history(tx_of(con, SHOP), period="month", as_of="2024-04-15")

    shop = series(history, "all", "all")
    assert list(history.columns) == HISTORY_COLUMNS
    assert shop.revenue.to_dict() == {"2024-01-01": 35.0, "2024-02-01": -5.0,
                                      "2024-03-01": 0.0, "2024-04-01": 37.0}
    assert shop.orders.to_dict() == {"2024-01-01": 2, "2024-02-01": 0, "2024-03-01": 0,
                                     "2024-04-01": 2}
    # 15 April is not the end of April: that month is incomplete.
    assert shop.complete.tolist() == [True, True, True, False]


def test_history_without_order_ids_counts_order_rows(con):
    records = [r[:3] for r in SHOP]
    tx = tx_of(con, records, columns=("customer_id", "time", "amount"))

    shop = series(sales_history(tx, period="month", as_of="2024-04-30"), "all", "all")

    assert shop.orders.tolist() == [3, 0, 0, 3]  # 20 April counts now
    assert shop.complete.all()  # 30 April ends April


def test_history_per_store_starts_with_each_store_and_names_missing_values(con):
    history = sales_history(tx_of(con, SHOP), period="month", by="store",
                            as_of="2024-04-30")

    assert series(history, "store", "S1").revenue.tolist() == [35.0, -5.0, 0.0, 0.0]
    assert series(history, "store", "S2").revenue.to_dict() == {"2024-04-01": 1030.0}
    assert series(history, "store", "(none)").revenue.to_dict() == {"2024-04-01": 7.0}


def test_history_weeks_start_on_monday_and_days_are_all_complete(con):
    records = [("a", "2024-01-01 08:00", 1.0, "o1", "S"),  # Monday
               ("a", "2024-01-07 23:00", 2.0, "o2", "S"),  # Sunday, same week
               ("a", "2024-01-08 00:30", 4.0, "o3", "S"),  # Monday, next week
               ("a", "2024-01-10 12:00", 8.0, "o4", "S")]
    tx = tx_of(con, records)

    weeks = series(sales_history(tx, period="week"), "all", "all")
    days = series(sales_history(tx, period="day"), "all", "all")

    assert weeks.revenue.to_dict() == {"2024-01-01": 3.0, "2024-01-08": 12.0}
    assert weeks.complete.tolist() == [True, False]  # as_of 10 January, a Wednesday
    assert len(days) == 10 and days.complete.all()
    assert days.revenue.sum() == 15.0 and (days.revenue == 0).sum() == 6


def test_history_by_segment_uses_the_mapping_given(con):
    segments = pd.DataFrame({"customer_id": ["a", "b"], "segment": ["Loyal", "New"]})

    history = sales_history(tx_of(con, SHOP), period="month", segments=segments,
                            as_of="2024-04-30")

    assert series(history, "segment", "Loyal").revenue.tolist() == [15.0, -5.0, 0.0, 0.0]
    assert series(history, "segment", "New").revenue.tolist() == [20.0, 0.0, 0.0, 0.0]
    assert series(history, "segment", "(none)").revenue.tolist() == [1037.0]


def test_history_refuses_unknown_periods_groupings_and_duplicate_segments(con):
    tx = tx_of(con, SHOP)
    with pytest.raises(InputError, match="day, week, month"):
        sales_history(tx, period="quarter")
    with pytest.raises(InputError, match="no segment column"):
        sales_history(tx, by="segment")
    twice = pd.DataFrame({"customer_id": ["a", "a"], "segment": ["Loyal", "New"]})
    with pytest.raises(InputError, match="more than once"):
        sales_history(tx, segments=twice)


# --- forecasts -------------------------------------------------------------------------------


def monthly_stores(seed: int, stores: int, months: int, h: int = 0):
    """One order a month per store: revenue = trend + yearly season + noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(months + h)
    records, truth = [], {}
    for s in range(stores):
        level, slope, amplitude = rng.uniform(800, 1500), rng.uniform(-2, 8), rng.uniform(100, 300)
        y = level + slope * t + amplitude * np.sin(2 * np.pi * t / 12) + rng.normal(0, 40, len(t))
        truth[f"s{s:02d}"] = y[months:]
        records += [(f"c{s}", pd.Timestamp("2019-01-15") + pd.DateOffset(months=i), v,
                     f"o{s}-{i}", f"s{s:02d}") for i, v in enumerate(y[:months])]
    return records, truth


def test_the_chosen_model_beats_seasonal_naive_and_its_intervals_cover_the_truth(con):
    h, months = 6, 54
    records, truth = monthly_stores(seed=0, stores=12, months=months, h=h)

    fc = sales_forecast(tx_of(con, records), period="month", h=h, by="store",
                        as_of="2023-06-30", measures=("revenue",))

    assert list(fc.backtest.columns) == BACKTEST_COLUMNS
    assert list(fc.forecast.columns) == FORECAST_COLUMNS
    shop = fc.backtest[fc.backtest.by == "all"].set_index("model")
    assert set(shop.index) == {"SeasonalNaive", "AutoETS", "AutoARIMA"}
    chosen = shop[shop.chosen]
    assert len(chosen) == 1
    assert chosen.mase.iloc[0] == shop.mase.min() < shop.mase["SeasonalNaive"]
    assert (shop.windows == 3).all() and (shop.season_length == 12).all()
    stores = fc.forecast[fc.forecast.by == "store"].copy()
    assert len(stores) == 12 * h
    assert stores.period.min() == pd.Timestamp("2023-07-01")
    stores["truth"] = [truth[g][i % h] for i, g in enumerate(stores.group)]
    covered_95 = stores.truth.between(stores.lo_95, stores.hi_95).mean()
    covered_80 = stores.truth.between(stores.lo_80, stores.hi_80).mean()
    # 72 forecasts, six per series: roughly the nominal rates, the wider the more.
    assert 0.85 <= covered_95 <= 1.0
    assert 0.62 <= covered_80 <= 0.93
    assert covered_95 > covered_80
    assert (fc.forecast[["lo_95", "lo_80", "mean", "hi_80", "hi_95"]].diff(axis=1).iloc[:, 1:]
            >= 0).all().all()


def one_sale_a_month(months: int, start: str = "2022-01-10", store: str = "S"):
    rng = np.random.default_rng(3)
    return [("c", pd.Timestamp(start) + pd.DateOffset(months=i), 100 + rng.normal(0, 10),
             f"{store}{i}", store) for i in range(months)]


def test_an_incomplete_last_period_is_left_out_and_forecast_first(con):
    records = one_sale_a_month(30)  # Jan 2022 .. Jun 2024; as_of 10 June 2024
    fc = sales_forecast(tx_of(con, records), period="month", h=3, windows=1)

    assert fc.partial_period == pd.Timestamp("2024-06-01")
    assert "not over" in fc.notes[0]
    assert fc.history.complete.sum() == 29
    assert fc.forecast.period.min() == pd.Timestamp("2024-06-01")
    assert len(fc.forecast) == 2 * 3  # revenue and orders
    # Orders are one a month: every candidate forecasts that.
    orders = fc.forecast[fc.forecast.measure == "orders"]
    assert orders["mean"].to_numpy() == pytest.approx(1.0, abs=1e-6)


def test_a_history_shorter_than_two_seasons_is_fitted_without_seasons(con):
    records = one_sale_a_month(20)  # 20 complete months < 24 + 6

    with pytest.warns(UserWarning, match="without seasons"):
        fc = sales_forecast(tx_of(con, records), period="month", as_of="2023-08-31")

    assert set(fc.backtest.model) == {"Naive", "AutoETS", "AutoARIMA"}
    assert (fc.chosen.season_length == 1).all()
    assert any("without seasons" in note for note in fc.notes)


def test_too_short_a_history_says_how_many_periods_are_needed(con):
    tx = tx_of(con, one_sale_a_month(12))

    with pytest.raises(InputError, match="has 12 complete months.*at least 16"):
        sales_forecast(tx, period="month", h=6, as_of="2022-12-31")
    with pytest.raises(InputError, match="at least 1"):
        sales_forecast(tx, period="month", h=0)


def test_a_group_too_short_to_forecast_is_skipped_with_a_warning(con):
    records = one_sale_a_month(36) + one_sale_a_month(5, start="2024-08-10", store="New")

    with pytest.warns(UserWarning, match="store 'New' has 5 complete months"):
        fc = sales_forecast(tx_of(con, records), period="month", h=6, by="store",
                            as_of="2024-12-31")

    assert set(fc.chosen.group) == {"all", "S"}
    assert "New" in set(fc.history.group)


def test_a_candidate_that_fails_is_recorded_and_the_others_still_compete(con, monkeypatch):
    from statsforecast.models import AutoARIMA

    def broken(self, *args, **kwargs):
        raise RuntimeError("no ARIMA today")

    monkeypatch.setattr(AutoARIMA, "fit", broken)  # statsforecast's, not ours
    monkeypatch.setattr(AutoARIMA, "forecast", broken)

    with pytest.warns(UserWarning, match="AutoARIMA failed to fit"):
        fc = sales_forecast(tx_of(con, one_sale_a_month(40)), period="month", h=3,
                            as_of="2025-04-30", measures=("revenue",))

    arima = fc.backtest.set_index("model").loc["AutoARIMA"]
    assert "no ARIMA today" in arima.error and np.isnan(arima.mase) and not arima.chosen
    assert fc.chosen.model.iloc[0] in {"SeasonalNaive", "AutoETS"}
    assert len(fc.forecast) == 3


# --- bottom-up -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def models():
    customers = clv_simulation.bg_nbd(3000, r=0.5, alpha=4.0, a=0.8, b=2.5, T=52.0, seed=5)
    spend = clv_simulation.gamma_gamma(customers.frequency.to_numpy(), p=6.0, q=4.0,
                                       gamma=15.0, seed=6)
    summary = customers[["frequency", "recency", "T"]].assign(
        monetary_value=spend.monetary_value)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the fits must be clean
        purchases = BetaGeo(time_unit="week").fit(summary)
        spending = GammaGamma().fit(summary)
    return purchases, spending, summary


def bgnbd_expected(params, t, x, tx, big_t):
    """Fader, Hardie & Lee (2005), eq. 10: E[Y(t) | x, t_x, T] by the hypergeometric form."""
    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    head = (a + b + x - 1) / (a - 1)
    ratio = (alpha + big_t) / (alpha + big_t + t)
    body = 1 - ratio ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1,
                                        t / (alpha + big_t + t))
    alive = 1 + (x > 0) * a / (b + x - 1) * ((alpha + big_t) / (alpha + tx)) ** (r + x)
    return head * body / alive


def test_bottom_up_matches_the_formulas_on_a_tiny_summary(models):
    purchases, spending, _ = models
    summary = pd.DataFrame({"frequency": [0.0, 2.0, 7.0], "recency": [0.0, 10.0, 40.0],
                            "T": [20.0, 30.0, 45.0], "monetary_value": [0.0, 30.0, 55.0],
                            "weight": [1.0, 2.0, 1.0]})
    # As of Wednesday 3 January 2024, weeks: Thu-Sun (4 days), then two whole weeks.
    result = bottom_up_forecast(purchases, spending, summary, as_of=date(2024, 1, 3),
                                period="week", h=3)

    assert result.period.dt.strftime("%Y-%m-%d").tolist() == ["2024-01-01", "2024-01-08",
                                                              "2024-01-15"]
    assert result.days.tolist() == [4, 7, 7]
    t = np.array([4, 11, 18]) / 7  # weeks
    p, q, v = (spending.params_[k] for k in ("p", "q", "v"))
    expected_orders, expected_revenue = np.zeros(3), np.zeros(3)
    for _, c in summary.iterrows():
        cumulative = np.array([bgnbd_expected(purchases.params_, tk, c.frequency, c.recency,
                                              c["T"]) for tk in t])
        step = np.diff(cumulative, prepend=0.0) * c.weight
        spend = p * (v + c.frequency * c.monetary_value) / (p * c.frequency + q - 1)
        expected_orders += step
        expected_revenue += step * spend
    assert result.t_end.to_numpy() == pytest.approx(t)
    assert result.orders.to_numpy() == pytest.approx(expected_orders, rel=1e-7)
    assert result.revenue.to_numpy() == pytest.approx(expected_revenue, rel=1e-7)


def test_bottom_up_periods_add_up_to_the_expected_purchases_over_the_horizon(models):
    purchases, spending, summary = models
    # End of January 2024 to end of July: 29 + 31 + 30 + 31 + 30 + 31 = 182 days.
    result = bottom_up_forecast(purchases, spending, summary, as_of="2024-01-31",
                                period="month", h=6)

    whole = purchases.expected_purchases(summary, 182 / 7)
    spend = spending.expected_spend(summary)
    assert result.days.tolist() == [29, 31, 30, 31, 30, 31]
    assert result.orders.sum() == pytest.approx(whole.sum(), rel=1e-9)
    assert result.revenue.sum() == pytest.approx((whole * spend).sum(), rel=1e-9)
    assert (result.orders > 0).all()
