"""Which snapshots train, calibrate and test the churn model: time-based validation.

With the data's last day E, the longest horizon L (`Horizon.longest`) and a step of
``step_days`` (30: monthly snapshots), the snapshots are

.. math:: s_k = E - L - k \\cdot \\text{step}, \\quad k = 0, 1, \\dots

back to ``min_history_days`` after the first purchase. Every label of :math:`s_k` is known
(its window ends by :math:`s_k + L \\le E`). Two models are fitted on them:

- **validation**: the test snapshot is :math:`s_0`, the latest with complete labels. Only
  snapshots whose label windows end by :math:`s_0` may teach (:math:`s + L \\le s_0`,
  i.e. :math:`k \\ge m = \\lceil L / \\text{step} \\rceil`): the latest
  ``calibration_snapshots`` of them calibrate, the earlier ones train the booster. Nothing
  the validation model learns from happened after :math:`s_0`.
- **final**: the same split moved forward to E: the latest ``calibration_snapshots``
  (:math:`s_0, s_1, \\dots`) calibrate, every earlier one trains. It scores everyone as of
  E.

So the data must span ``min_history_days + 2 L + (m' - 1)`` steps, where m' counts the
calibration and training snapshots the validation needs; `Schedule.required_days` says how
many, and `make_schedule` raises an `InputError` that says it when the data are shorter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from ..exceptions import InputError
from .horizon import READABLE_DAYS, Horizon


class HistoryTooShort(InputError):
    """The purchases do not span enough days for the snapshots a horizon needs."""

#: Training snapshots at most (the latest); older ones add little and cost time.
MAX_TRAINING_SNAPSHOTS = 36


@dataclass(frozen=True)
class Schedule:
    """The snapshot dates of one run (each list latest first)."""

    test: date
    validation_calibration: list[date]
    validation_train: list[date]
    final_calibration: list[date]
    final_train: list[date]
    score: date

    @property
    def labelled(self) -> list[date]:
        """Every snapshot whose labels are read, latest first."""
        return sorted({self.test, *self.validation_calibration, *self.validation_train,
                       *self.final_calibration, *self.final_train}, reverse=True)


def required_days(horizon: Horizon, *, step_days: int, min_history_days: int,
                  calibration_snapshots: int, min_training_snapshots: int) -> int:
    """Return the days of history (first purchase to last day) a validated model needs."""
    longest = horizon.longest
    gap = math.ceil(longest / step_days)  # steps from the test snapshot to the first usable
    last_k = gap + calibration_snapshots + min_training_snapshots - 1
    return min_history_days + longest + last_k * step_days


def make_schedule(first_day: date, last_day: date, horizon: Horizon, *, step_days: int = 30,
                  min_history_days: int = 90, calibration_snapshots: int = 3,
                  min_training_snapshots: int = 2) -> Schedule:
    """Return the snapshots of a run over purchases from ``first_day`` to ``last_day``.

    Raises
    ------
    InputError
        The data are too short for the validation to have ``min_training_snapshots``
        training and ``calibration_snapshots`` calibration snapshots; the message says how
        many days are needed and what a shorter horizon would need.
    """
    for name, value in (("step_days", step_days), ("min_history_days", min_history_days),
                        ("calibration_snapshots", calibration_snapshots),
                        ("min_training_snapshots", min_training_snapshots)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InputError(f"{name} must be a whole number >= 1; got {value!r}.")
    longest = horizon.longest
    test = last_day - timedelta(days=longest)
    earliest = first_day + timedelta(days=min_history_days)
    grid: list[date] = []
    k = 0
    while test - timedelta(days=k * step_days) >= earliest:
        grid.append(test - timedelta(days=k * step_days))
        k += 1
    gap = math.ceil(longest / step_days)
    usable = grid[gap:]
    if len(usable) < calibration_snapshots + min_training_snapshots:
        _too_short(first_day, last_day, horizon, step_days, min_history_days,
                   calibration_snapshots, min_training_snapshots)
    return Schedule(
        test=test,
        validation_calibration=usable[:calibration_snapshots],
        validation_train=usable[calibration_snapshots:][:MAX_TRAINING_SNAPSHOTS],
        final_calibration=grid[:calibration_snapshots],
        final_train=grid[calibration_snapshots:][:MAX_TRAINING_SNAPSHOTS],
        score=last_day,
    )


def _too_short(first_day: date, last_day: date, horizon: Horizon, step_days: int,
               min_history_days: int, calibration_snapshots: int,
               min_training_snapshots: int) -> None:
    def need(h: Horizon) -> int:
        return required_days(h, step_days=step_days, min_history_days=min_history_days,
                             calibration_snapshots=calibration_snapshots,
                             min_training_snapshots=min_training_snapshots)

    span = (last_day - first_day).days
    longest = horizon.longest
    shorter = [d for d in reversed(READABLE_DAYS)
               if d < longest and need(Horizon(days=d)) <= span]
    hint = (f"A shorter horizon fits these data: horizon={shorter[0]} needs "
            f"{need(Horizon(days=shorter[0]))} days."
            if shorter else "Even a 30-day horizon needs "
            f"{need(Horizon(days=30))} days: more history is needed.")
    raise HistoryTooShort(
        f"the churn model needs {need(horizon)} days of purchase history with a horizon of "
        f"up to {longest} days: {min_history_days} days before the first snapshot, "
        f"{calibration_snapshots + min_training_snapshots} snapshots {step_days} days "
        f"apart to train and calibrate on, their labels ({longest} days), and a later test "
        f"snapshot with its own labels ({longest} days); the purchases span {span} days "
        f"({first_day} to {last_day}). {hint}")
