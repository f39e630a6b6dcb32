"""The segment functions' input: the customer summary in whatever table type it comes as.

`tenure.analytics.summary.customer_summary` returns an Ibis table; an analyst may hold it as
pandas, polars or Arrow. :func:`summary_frame` reads only the columns a method needs into
pandas, once, so ``rfm(customer_summary(tx))`` works without a conversion by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from tenure.analytics.exceptions import InputError
from tenure.analytics.frames import to_frame


def summary_frame(table: Any, required: Sequence[str]) -> pd.DataFrame:
    """Return the ``required`` columns of a customer summary as a pandas DataFrame.

    Parameters
    ----------
    table : pandas.DataFrame, polars.DataFrame, pyarrow.Table or ibis.Table
        The per-customer summary. A pandas frame is returned as it is (all its columns);
        an Ibis table is computed sorted by ``customer_id``, so that results which depend
        on row order (a seeded sample) do not change from one run to the next.
    required : sequence of str
        Columns the caller needs.

    Raises
    ------
    InputError
        A column is missing (the message lists them and how to build the summary), or
        ``table`` is not a table.
    """
    if isinstance(table, pd.DataFrame):
        frame_columns = [str(c) for c in table.columns]
    elif hasattr(table, "column_names"):  # Arrow
        frame_columns = list(table.column_names)
    elif hasattr(table, "columns") and hasattr(table, "to_pandas"):  # polars, Ibis
        frame_columns = [str(c) for c in table.columns]
    else:
        raise InputError(
            f"expected the customer summary as a table (pandas, polars, Arrow or Ibis); "
            f"got {type(table).__name__}.")
    missing = [c for c in required if c not in frame_columns]
    if missing:
        raise InputError(
            f"the customer summary lacks {', '.join(missing)}; build it with "
            f"tenure.analytics.summary.customer_summary(tx)")
    if isinstance(table, pd.DataFrame):
        return table
    if hasattr(table, "column_names"):  # Arrow
        return table.select(list(required)).to_pandas()
    if hasattr(table, "to_pyarrow") and "customer_id" in required:  # Ibis
        # An engine returns rows in no fixed order, and k-means samples rows by position:
        # sorted, the same table always gives the same clusters.
        return to_frame(table.select(*required).order_by("customer_id"))
    return table.select(*required).to_pandas()  # polars
