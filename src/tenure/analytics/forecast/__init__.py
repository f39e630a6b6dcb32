"""Sales forecasts: top-down per series, and bottom-up from the customer-value models.

- `sales_history`: revenue and orders per day, week or month for the whole shop and per
  store or segment, counted in the engine;
- `sales_forecast`: per series, AutoETS, AutoARIMA and SeasonalNaive (statsforecast) are
  backtested on rolling origins, the one with the lowest MASE forecasts with 80 % and 95 %
  prediction intervals (`SalesForecast`);
- `bottom_up_forecast`: the existing customers' expected orders and revenue per coming period,
  from a fitted BTYD purchase model and a Gamma-Gamma spend model;
- `mase`: the accuracy measure the choice rests on.

One module per concern (history, selection, sales, bottom_up); this package only gathers
their public names.
"""

from __future__ import annotations

from tenure.analytics.forecast.bottom_up import BOTTOM_UP_COLUMNS, bottom_up_forecast
from tenure.analytics.forecast.history import HISTORY_COLUMNS, PERIODS, sales_history
from tenure.analytics.forecast.sales import (
    BACKTEST_COLUMNS,
    CHOSEN_COLUMNS,
    FORECAST_COLUMNS,
    HORIZONS,
    MEASURES,
    SalesForecast,
    sales_forecast,
)
from tenure.analytics.forecast.selection import LEVELS, SEASON_LENGTHS, mase

__all__ = [
    "BACKTEST_COLUMNS", "BOTTOM_UP_COLUMNS", "CHOSEN_COLUMNS", "FORECAST_COLUMNS",
    "HISTORY_COLUMNS", "HORIZONS", "LEVELS", "MEASURES", "PERIODS", "SEASON_LENGTHS",
    "SalesForecast", "bottom_up_forecast", "mase", "sales_forecast", "sales_history",
]
