"""The snapshot schedule: time-based validation with complete labels, or a clear refusal."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tenure.analytics.churn import Horizon
from tenure.analytics.churn.horizon import choose_horizon, readable_days
from tenure.analytics.churn.schedule import make_schedule, required_days
from tenure.analytics.exceptions import InputError

FIRST, LAST = date(2021, 1, 1), date(2023, 12, 31)


def days(n: int) -> timedelta:
    return timedelta(days=n)


def test_snapshots_by_hand_for_a_90_day_horizon():
    plan = make_schedule(FIRST, LAST, Horizon(days=90))
    test = LAST - days(90)  # the latest snapshot whose labels are complete
    assert plan.test == test == date(2023, 10, 2)
    # The validation learns only from snapshots whose labels end by the test snapshot:
    # s + 90 <= test, i.e. three 30-day steps back or more.
    assert plan.validation_calibration == [test - days(90), test - days(120),
                                           test - days(150)]
    assert plan.validation_train[0] == test - days(180)
    assert all(s + days(90) <= test for s in plan.validation_train
               + plan.validation_calibration)
    # The earliest snapshot leaves 90 days of history after the first purchase.
    assert plan.validation_train[-1] >= FIRST + days(90) > plan.validation_train[-1] - days(30)
    # The final model moves the same split forward to the last day.
    assert plan.final_calibration == [test, test - days(30), test - days(60)]
    assert plan.final_train[0] == test - days(90)
    assert plan.score == LAST
    assert all(s + days(90) <= LAST for s in plan.labelled)


def test_the_rhythm_horizon_waits_for_its_longest_window():
    plan = make_schedule(FIRST, LAST, Horizon())  # up to 365 days
    assert plan.test == LAST - days(365)
    assert all(s + days(365) <= plan.test for s in plan.validation_train)


def test_the_history_needed_and_the_refusal_that_says_it():
    # 90 days before the first snapshot, 5 snapshots 30 days apart after the 3 steps the
    # test labels need (k = 3..7), and the test snapshot's own 90 days: 90 + 90 + 7 * 30.
    need = required_days(Horizon(days=90), step_days=30, min_history_days=90,
                         calibration_snapshots=3, min_training_snapshots=2)
    assert need == 390
    make_schedule(FIRST, FIRST + days(390), Horizon(days=90))
    with pytest.raises(InputError, match=r"needs 390 days .* span 389 days"):
        make_schedule(FIRST, FIRST + days(389), Horizon(days=90))
    # Two years are too short for the 365-day rhythm; the message offers a horizon that fits.
    with pytest.raises(InputError, match=r"needs 965 days .*horizon=180 needs 570 days"):
        make_schedule(FIRST, FIRST + days(730), Horizon())


def test_settings_are_checked():
    with pytest.raises(InputError, match="step_days"):
        make_schedule(FIRST, LAST, Horizon(days=90), step_days=0)
    with pytest.raises(InputError, match="whole number of days"):
        Horizon(days=0)
    with pytest.raises(InputError, match="min_days <= max_days"):
        Horizon(min_days=90, max_days=30)


def test_the_shop_horizon_is_a_readable_multiple_of_its_typical_gap():
    # 2 x the shop's gap, nearest readable number by ratio.
    assert [readable_days(2 * g) for g in (10, 20, 26, 45, 53, 70, 100, 150, 400)] == [
        30, 30, 60, 90, 120, 120, 180, 270, 365]
    chosen = choose_horizon(53.0, lambda days: True)
    assert (chosen.days, chosen.wanted_days, chosen.shop_gap) == (120, 120, 53.0)
    assert chosen.rhythm and not chosen.per_customer
    assert chosen.describe() == "no purchase within 120 days"
    # The history holds up to 60 days: the longest readable horizon it holds.
    short = choose_horizon(53.0, lambda days: days <= 60)
    assert (short.days, short.wanted_days) == (60, 120) and not short.rhythm
    assert "the rhythm asks for 120 days" in short.reasoning()
    # Nobody bought twice: no rhythm to read, the longest horizon that fits.
    unknown = choose_horizon(None, lambda days: days <= 180)
    assert unknown.days == 180 and unknown.shop_gap is None and unknown.reasoning() is None
    # Nothing fits: the shortest, for the schedule to refuse with what it needs.
    assert choose_horizon(53.0, lambda days: False).days == 30
