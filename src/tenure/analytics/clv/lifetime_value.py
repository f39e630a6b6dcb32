"""Predictive customer lifetime value: future purchases x spend x margin, discounted.

DESIGN.md, "CLV, predictive": expected future transactions (a BTYD model) times expected spend
(Gamma-Gamma) times margin, discounted at a monthly rate. Horizons are converted into the
purchase model's time unit here (`tenure.analytics.units`), so a model fitted in days, weeks
or years gives the same value.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
import pandas as pd

from ..exceptions import InputError
from ..units import convert
from . import inputs
from .base import one_blas_thread

#: The value Tenure reports by default: the next 12 months, discounted 1 % a month.
MONTHS = 12
MONTHLY_DISCOUNT_RATE = 0.01


class PurchaseModel(Protocol):
    """A fitted BTYD model: expected purchases in the next t of its time unit."""

    @property
    def time_unit(self) -> str: ...

    def expected_purchases(self, data: Any, t: Any) -> Any: ...


class SpendModel(Protocol):
    """A fitted spend model: expected value per purchase."""

    def expected_spend(self, data: Any) -> Any: ...


@one_blas_thread
def customer_lifetime_value(purchase_model: PurchaseModel, spend_model: SpendModel,
                            data: Any, *,
                            months: int = MONTHS,
                            monthly_discount_rate: float = MONTHLY_DISCOUNT_RATE,
                            margin: Any = 1.0) -> Any:
    """Return each customer's discounted expected value over the next ``months``.

    .. math::

        CLV = m \\, E[Z] \\sum_{k=1}^{K}
              \\frac{E[X(t_k)] - E[X(t_{k-1})]}{(1 + d)^{k}}

    with :math:`t_k` the end of month k in the purchase model's time unit (a month is
    30.4375 days), :math:`E[X(t)]` the expected purchases in the next t given the
    customer's history (``purchase_model.expected_purchases``), :math:`E[Z]` the expected
    value per purchase (``spend_model.expected_spend``), m the margin and d the monthly
    discount rate: each month's purchases are discounted to today at the month's end, as in
    Fader, Hardie & Lee (2005, "RFM and CLV") and the lifetimes library.

    A discrete-time purchase model (BG/BB, whose time unit is one purchase opportunity)
    is summed per opportunity instead: opportunity k falls at k opportunity lengths and is
    discounted by :math:`(1+d)^{k L}`, L its length in months; only whole opportunities
    within the horizon count.

    Parameters
    ----------
    purchase_model : fitted BetaGeo, ModifiedBetaGeo, ParetoNBD or BetaGeoBetaBinom
    spend_model : fitted GammaGamma
    data : table
        One row per customer with the purchase model's columns and ``monetary_value`` (or
        their aliases, `tenure.analytics.columns.SUMMARY`). When it records a
        ``time_unit``, it must be the purchase model's.
    months : int
        Horizon in months (12 = the next year).
    monthly_discount_rate : float
        d, e.g. 0.01 for 1 % a month (about 12.7 % a year).
    margin : float or array-like
        Gross margin as a fraction of revenue, one for all or one per row (1 = revenue).

    Returns
    -------
    pandas.Series or numpy.ndarray
        CLV per input row, in input order and in the currency of ``monetary_value``: a
        Series indexed by ``customer_id`` when ``data`` has that column, else an array.

    Raises
    ------
    InputError
        A bad horizon, rate or margin; unusable data; data recorded in another time unit
        than the purchase model's.
    """
    if isinstance(months, bool) or int(months) != months or months < 1:
        raise InputError(f"months must be a whole number of months, 1 or more; got {months!r}.")
    if not np.isfinite(monthly_discount_rate) or monthly_discount_rate <= -1:
        raise InputError(
            f"monthly_discount_rate must be a rate above -1 (0.01 = 1 %); "
            f"got {monthly_discount_rate!r}.")
    margin = np.asarray(margin, dtype=float)
    if np.any(margin < 0) or np.any(margin > 1):
        raise InputError("margin is a fraction of revenue between 0 and 1.")
    unit = purchase_model.time_unit
    if getattr(purchase_model, "discrete", False):
        length = convert(1.0, unit, "month")
        steps = int(np.floor(months / length + 1e-9))
        if steps < 1:
            raise InputError(
                f"{months} months hold no whole purchase opportunity of one {unit}.")
        times = np.arange(1, steps + 1, dtype=float)
        discount = (1 + monthly_discount_rate) ** (times * length)
    else:
        times = convert(np.arange(1, int(months) + 1, dtype=float), "month", unit)
        discount = (1 + monthly_discount_rate) ** np.arange(1, int(months) + 1)
    data = inputs.in_memory(data)  # spend and purchases must read the same rows in one order
    spend = _floats(spend_model.expected_spend(data))
    columns = tuple(getattr(purchase_model, "columns", ()))
    what = "customer_lifetime_value input"
    rows = inputs.read(data, columns, weights=False, what=what)
    inputs.check_time_unit(rows, unit, what)
    total = np.zeros(len(rows))
    before = np.zeros(len(rows))
    for expected, factor in zip(_expected_path(purchase_model, rows, times), discount,
                                strict=True):
        total += (expected - before) / factor
        before = expected
    return inputs.by_customer(margin * spend * total, rows.index)


def _expected_path(purchase_model: PurchaseModel, rows: inputs.Rows, times: np.ndarray
                   ) -> np.ndarray:
    """Return the expected purchases by each horizon of ``times`` (rows), per input row.

    A model with ``expected_purchases_path`` (BG/NBD, MBG/NBD, Pareto/NBD) reads and
    scores the histories once for every horizon. Others are asked horizon by horizon, on
    the distinct histories, folded once here.
    """
    path = getattr(purchase_model, "expected_purchases_path", None)
    if path is not None:
        return np.asarray(path(rows.columns, times), dtype=np.float64)
    distinct = inputs.compress(rows, tuple(rows.columns))
    return np.array([
        _floats(purchase_model.expected_purchases(distinct.rows.columns, float(t)))[
            distinct.inverse] for t in times])


def _floats(values: Any) -> np.ndarray:
    """Return predictions as a float array; a Series by its values, without asking numpy
    to look for array attributes on it (pandas answers those by a search of its index)."""
    if isinstance(values, pd.Series):
        return values.to_numpy(dtype=np.float64)
    return np.asarray(values, dtype=np.float64)
