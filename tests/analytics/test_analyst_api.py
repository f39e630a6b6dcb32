"""The analyst's path through tenure.analytics (issue 11, item 7), as a notebook runs it.

``summary.customer_summary`` -> ``segments.rfm`` / ``segments.clusters`` -> ``clv`` models and
``customer_lifetime_value``, with the summary as Ibis (what the library returns), pandas,
Arrow and polars; Fader & Hardie's own column names; time units recorded and checked.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest

from tenure.analytics import clv, frames, segments, summary
from tenure.analytics.exceptions import InputError

CDNOW = Path("/work/shared/data/cdnow")
PUBLISHED = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}  # Fader, Hardie & Lee 2005


@pytest.fixture(scope="module")
def tx():
    return frames.transactions(CDNOW / "CDNOW_sample.txt", con=ibis.duckdb.connect(),
                               columns=[None, "customer_id", "time", None, "amount"])


@pytest.fixture(scope="module")
def weekly(tx):
    """The summary as the library returns it: an Ibis table, in weeks."""
    return summary.customer_summary(tx, as_of="1997-09-30", unit="week")


@pytest.fixture(scope="module")
def weekly_df(weekly) -> pd.DataFrame:
    return weekly.to_pandas()


@pytest.fixture(scope="module")
def fader_hardie() -> pd.DataFrame:
    """Fader & Hardie's own calibration summary, columns as published: ID, x, t_x, T, zbar."""
    return pd.read_csv(CDNOW / "cdnow_customers_summary_with_transactions.csv")


@pytest.fixture(scope="module")
def models(weekly_df):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Gamma-Gamma's correlation warning on CDNOW
        return clv.BetaGeo().fit(weekly_df), clv.GammaGamma().fit(weekly_df)


def as_type(table, kind: str):
    """Return the Ibis summary as ``kind``."""
    if kind == "ibis":
        return table
    if kind == "arrow":
        return table.to_pyarrow()
    if kind == "polars":
        pytest.importorskip("polars")
        return table.to_polars()
    return table.to_pandas()


KINDS = ["ibis", "pandas", "arrow", "polars"]


# --- segments take the summary as it comes ---------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_rfm_takes_the_summary_as_the_library_returns_it(weekly, weekly_df, kind):
    expected = segments.rfm(weekly_df).set_index("customer_id").sort_index()

    got = segments.rfm(as_type(weekly, kind)).set_index("customer_id").sort_index()

    pd.testing.assert_frame_equal(got, expected)


@pytest.mark.parametrize("kind", KINDS)
def test_clusters_take_the_summary_as_the_library_returns_it(weekly, kind):
    # k-means samples rows by position: the same rows in the same order, whatever the type.
    # An Ibis table has no order of its own: it is read sorted by customer_id.
    ordered = weekly.order_by("customer_id")
    expected = segments.clusters(ordered.to_pandas(), k=3)

    got = segments.clusters(weekly if kind == "ibis" else as_type(ordered, kind), k=3)

    pd.testing.assert_frame_equal(got.labels, expected.labels)
    assert got.descriptions == expected.descriptions


def test_segments_name_the_missing_columns_of_a_table_that_is_no_summary():
    with pytest.raises(InputError, match="lacks recency_days, orders.*customer_summary"):
        segments.rfm(pd.DataFrame({"customer_id": [1, 2]}).pipe(ibis.memtable))
    with pytest.raises(InputError, match="expected the customer summary as a table"):
        segments.clusters([1, 2, 3])


# --- predictions indexed by customer_id -------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_predictions_come_back_indexed_by_customer_id(weekly, weekly_df, models, kind):
    purchase, spend = models
    data = as_type(weekly, kind)
    # The same rows without customer_id: plain arrays in input order, as before.
    plain = weekly_df.drop(columns="customer_id")
    ids = weekly_df["customer_id"]

    calls = {
        "p_alive": (lambda d: purchase.probability_alive(d)),
        "expected": (lambda d: purchase.expected_purchases(d, 39)),
        "count": (lambda d: purchase.purchase_count_probability(d, 1, 39)),
        "spend": (lambda d: spend.expected_spend(d)),
        "clv": (lambda d: clv.customer_lifetime_value(purchase, spend, d)),
    }
    for name, call in calls.items():
        got = call(data)
        positional = call(plain)
        assert isinstance(positional, np.ndarray), name
        assert isinstance(got, pd.Series), name
        assert got.index.name == "customer_id", name
        assert got.index.is_unique and len(got) == len(ids), name
        expected = pd.Series(positional, index=pd.Index(ids, name="customer_id"))
        pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(),
                                       check_names=False, rtol=1e-9, obj=name)


def test_an_ibis_table_is_read_once_so_its_columns_line_up(weekly_df, models):
    # An engine returns rows in no fixed order; this table makes that plain: every run
    # shuffles it. Read column by column, or once for spend and again for purchases, the
    # values would belong to different customers.
    shuffled = ibis.memtable(weekly_df).order_by(ibis.random())
    purchase, spend = models

    by_ibis = clv.BetaGeo().fit(shuffled)
    for name, value in purchase.params_.items():
        assert by_ibis.params_[name] == pytest.approx(value, rel=1e-6)
    for call in (lambda d: purchase.expected_purchases(d, 39),
                 lambda d: clv.customer_lifetime_value(purchase, spend, d)):
        got, expected = call(shuffled), call(weekly_df)
        pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), rtol=1e-9)


# --- time units -----------------------------------------------------------------------------

def test_the_summary_records_its_time_unit(tx):
    for unit in ("day", "week", "month"):
        table = summary.customer_summary(tx, as_of="1997-09-30", unit=unit).to_pandas()
        assert set(table["time_unit"]) == {unit}
    discrete = summary.opportunity_summary(tx, as_of="1997-09-30", unit="month").to_pandas()
    assert set(discrete["time_unit"]) == {"month"}


def test_a_model_learns_its_unit_from_the_summary(tx, weekly_df):
    daily = summary.customer_summary(tx, as_of="1997-09-30", unit="day").to_pandas()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        spend = clv.GammaGamma().fit(daily)
    in_days, in_weeks = clv.BetaGeo().fit(daily), clv.BetaGeo().fit(weekly_df)

    assert (in_days.time_unit, in_weeks.time_unit) == ("day", "week")
    # BG/NBD scales with time: alpha in days is 7 times alpha in weeks...
    assert in_days.params_["alpha"] == pytest.approx(7 * in_weeks.params_["alpha"], rel=1e-6)
    # ...so a year of value is the same whichever unit the summary was built in.
    by_days = clv.customer_lifetime_value(in_days, spend, daily).sort_index()
    by_weeks = clv.customer_lifetime_value(in_weeks, spend, weekly_df).sort_index()
    np.testing.assert_allclose(by_weeks.to_numpy(), by_days.to_numpy(), rtol=1e-5)


def test_a_model_refuses_data_in_another_unit(tx, weekly_df, models):
    daily = summary.customer_summary(tx, as_of="1997-09-30", unit="day").to_pandas()
    purchase, spend = models  # fitted in weeks

    with pytest.raises(InputError, match="in days .* the model works in weeks"):
        purchase.expected_purchases(daily, 39)
    with pytest.raises(InputError, match="in days .* the model works in weeks"):
        purchase.probability_alive(daily)
    with pytest.raises(InputError, match="in days .* the model works in weeks"):
        clv.customer_lifetime_value(purchase, spend, daily)
    with pytest.raises(InputError, match="in weeks .* the model works in days.*unit='day'"):
        clv.BetaGeo(time_unit="day").fit(weekly_df)
    mixed = pd.concat([daily.head(5), weekly_df.head(5)])
    with pytest.raises(InputError, match="one unit for every row; it holds 'day', 'week'"):
        clv.BetaGeo().fit(mixed)
    # Spend has no time in it: any unit will do.
    assert len(spend.expected_spend(daily)) == len(daily)


def test_a_horizon_may_be_a_duration_in_any_unit(fader_hardie):
    in_weeks = clv.BetaGeo(time_unit="week").fit(fader_hardie)
    in_days = clv.BetaGeo.from_params(
        {**in_weeks.params_, "alpha": 7 * in_weeks.params_["alpha"]}, time_unit="day")
    customer_1 = pd.DataFrame({"x": [2], "t_x": [30.43], "T": [38.86]})
    customer_1_days = customer_1.assign(t_x=7 * 30.43, T=7 * 38.86)

    # FHL 2005, section 4: customer 1 expects 1.226 purchases in the next 39 weeks.
    for t in (39, "39 weeks", pd.Timedelta(weeks=39), "273 days", np.timedelta64(273, "D")):
        assert round(in_weeks.expected_purchases(customer_1, t)[0], 3) == 1.226, t
    for t in (273, "39 weeks", pd.Timedelta(days=273)):
        assert round(in_days.expected_purchases(customer_1_days, t)[0], 3) == 1.226, t
    assert in_weeks.purchase_count_probability(customer_1, 0, "273 days")[0] == pytest.approx(
        in_weeks.purchase_count_probability(customer_1, 0, 39)[0], rel=1e-12)
    for bad in ("39 fortnights", "soon", "-3 weeks", -1):
        with pytest.raises(InputError, match="horizon"):
            in_weeks.expected_purchases(customer_1, bad)


# --- Fader & Hardie's names -------------------------------------------------------------------

def test_fit_and_predictions_take_fader_and_hardies_names(fader_hardie):
    model = clv.BetaGeo(time_unit="week").fit(fader_hardie)  # ID, x, t_x, T, zbar

    assert {k: round(v, 3) for k, v in model.params_.items()} == PUBLISHED
    assert round(model.log_likelihood_, 1) == -9582.4
    assert round(model.expected_purchases(fader_hardie, 39)[0], 3) == 1.226
    assert len(model.probability_alive(fader_hardie)) == len(fader_hardie)
    spend = clv.GammaGamma().fit(fader_hardie)
    assert np.all(np.isfinite(clv.customer_lifetime_value(model, spend, fader_hardie)))


def test_the_names_are_those_tenure_clv_reads(fader_hardie):
    from tenure.analytics.columns import SUMMARY_ALIASES
    from tenure.commands import clv as command

    assert command.SYNONYMS is SUMMARY_ALIASES
    # Weights go by "weights" too: the same customers, folded, fit the same.
    folded = (fader_hardie.groupby(["x", "t_x", "T"]).size().rename("weights").reset_index())
    whole = clv.BetaGeo(time_unit="week").fit(fader_hardie)
    grouped = clv.BetaGeo(time_unit="week").fit(folded)
    assert grouped.n_customers_ == len(fader_hardie)
    for name, value in whole.params_.items():
        assert grouped.params_[name] == pytest.approx(value, rel=1e-6)


def test_a_missing_column_names_its_aliases():
    with pytest.raises(InputError, match=r"no column 'frequency' \(or 'x'\)"):
        clv.BetaGeo().fit(pd.DataFrame({"t_x": [1.0], "T": [2.0]}))
