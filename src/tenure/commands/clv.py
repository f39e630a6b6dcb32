"""``tenure clv fit``: fit a customer-value model to a file and print its estimates."""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

from tenure.analytics.columns import SUMMARY_ALIASES

from .arguments import add_column_options, columns_of, day, library_warnings, parse

DESCRIPTION = """\
Fit a customer-value model by maximum likelihood and print its parameters, their standard
errors and 95 % intervals, the log-likelihood, AIC and BIC.

FILE is either a per-customer summary (one row per customer, or per group of identical
customers with a weight column) or a purchases file:

  summary    columns frequency, recency, T (BG/BB: frequency, recency, n_periods;
             Gamma-Gamma: frequency, monetary_value) and optionally weight. Fader &
             Hardie's names x, t_x, zbar, periods and weights are understood too. Times are
             in --unit, or in the unit of its time_unit column when it has one.
  purchases  one row per purchase, columns recognised as by `tenure analyze` (or named
             with --*-col). The summary is built up to --as-of: same-day purchases are one,
             frequency counts repeat purchase days, times are in --unit (BG/BB: whole
             periods of --unit after each customer's first purchase)."""

EPILOG = """\
models:
  bgnbd   BG/NBD (Fader, Hardie & Lee 2005)          r, alpha, a, b
  pnbd    Pareto/NBD (Schmittlein et al. 1987)       r, alpha, s, beta
  mbgnbd  MBG/NBD (Batislam et al. 2007)             r, alpha, a, b
  bgbb    BG/BB, discrete (Fader, Hardie, Shang 2010) alpha, beta, gamma, delta
  gg      Gamma-Gamma spend (Fader, Hardie & Lee 2005) p, q, v

examples:
  tenure clv fit cdnow_summary.csv --model bgnbd --unit week
  tenure clv fit CDNOW_sample.txt --model pnbd --unit week --as-of 1997-09-30 --json
  tenure clv fit donations.csv --model bgbb --unit year

exit status: 0 fitted, 1 the file cannot be used (the message says why), 2 bad usage."""

#: --model value -> (class name in tenure.analytics.clv, the columns of its summary).
MODELS = {
    "bgnbd": ("BetaGeo", ("frequency", "recency", "T")),
    "pnbd": ("ParetoNBD", ("frequency", "recency", "T")),
    "mbgnbd": ("ModifiedBetaGeo", ("frequency", "recency", "T")),
    "bgbb": ("BetaGeoBetaBinom", ("frequency", "recency", "n_periods")),
    "gg": ("GammaGamma", ("frequency", "monetary_value")),
}
#: Other names of the summary columns (Fader & Hardie's, lifetimes'): the models' own table.
SYNONYMS = SUMMARY_ALIASES


def parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``tenure clv``."""
    top = argparse.ArgumentParser(
        prog="tenure clv", description="Customer-value models on a file; no database.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    fit = commands.add_parser(
        "fit", help="fit a model and print its estimates", description=DESCRIPTION,
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    fit.add_argument("file", help="summary or purchases file: .csv, .txt, .xlsx or .parquet")
    fit.add_argument("--model", choices=list(MODELS), default="bgnbd",
                     help="which model (default bgnbd)")
    fit.add_argument("--unit", choices=["day", "week", "month", "quarter", "year"],
                     default=None, help="time unit of recency and T (default: day; BG/BB: "
                                        "year, the length of one opportunity)")
    fit.add_argument("--as-of", metavar="YYYY-MM-DD", type=day,
                     help="purchases file: end of the calibration period (default: the last "
                          "purchase)")
    fit.add_argument("--json", action="store_true", help="print the result as JSON")
    add_column_options(fit)
    return top


def clv(argv: list[str]) -> int:
    """Run ``tenure clv`` and return its exit status."""
    options = parse(parser(), argv)
    if isinstance(options, int):
        return options
    from tenure.analytics.exceptions import AnalyticsError

    unit = options.unit or ("year" if options.model == "bgbb" else "day")
    started = time.perf_counter()
    try:
        with library_warnings():
            data, kind = read_summary(Path(options.file), options, unit)
            if options.unit is None and "time_unit" in data.columns:
                unit = None  # the summary says (customer_summary writes it): the model reads it
            model = model_class(options.model)(time_unit=unit).fit(data)
    except (AnalyticsError, OSError) as exc:
        print(f"tenure clv: {exc}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - started
    result = describe(options.model, model, kind, seconds)
    print(json.dumps(result, indent=2) if options.json else as_text(result))
    return 0


def model_class(key: str) -> Any:
    """Return the model class behind a ``--model`` value."""
    from tenure.analytics import clv as models

    return getattr(models, MODELS[key][0])


def read_summary(path: Path, options: argparse.Namespace, unit: str) -> tuple[Any, str]:
    """Return the model's input table and whether it came from a summary or purchases."""
    from tenure.analytics.exceptions import InputError

    if not path.exists():
        raise InputError(f"{path}: no such file")
    needed = MODELS[options.model][1]
    if set(needed) <= {SYNONYMS.get(c, c) for c in _read_table(path, rows=0).columns}:
        table = _read_table(path)
        return table.rename(columns={c: SYNONYMS.get(c, c) for c in table.columns}), "summary"
    return _summarise_purchases(path, options, unit), "purchases"


def _read_table(path: Path, rows: int | None = None):
    """Read a summary candidate with pandas (any delimiter); ``rows=0`` reads the header only
    (a purchases file is then read by frames, once)."""
    import pandas as pd

    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        table = (pq.read_schema(path).empty_table().to_pandas() if rows == 0
                 else pd.read_parquet(path))
    elif suffix in (".xlsx", ".xlsm"):
        table = pd.read_excel(path, nrows=rows)
    else:
        from tenure.analytics.textfiles import sniff_delimiter

        with path.open(encoding="utf-8", errors="replace") as f:
            delimiter = sniff_delimiter(f.readline())
        table = pd.read_csv(path, sep=delimiter or r"\s+", nrows=rows)
    table.columns = [str(c).strip() for c in table.columns]
    return table


def _summarise_purchases(path: Path, options: argparse.Namespace, unit: str):
    import ibis

    from tenure.analytics import frames, summary

    tx = frames.transactions(path, con=ibis.duckdb.connect(), columns=columns_of(options))
    if options.model == "bgbb":
        return summary.opportunity_summary(tx, as_of=options.as_of, unit=unit).to_pandas()
    return summary.customer_summary(tx, as_of=options.as_of, unit=unit).to_pandas()


def describe(key: str, model: Any, kind: str, seconds: float) -> dict:
    """Return the fitted model's estimates as a JSON-ready dict."""
    table = model.summary
    return {
        "model": key,
        "name": model.label,
        "time_unit": model.time_unit,
        "input": kind,
        "n_customers": _number(model.n_customers_),
        "params": {n: _number(v) for n, v in model.params_.items()},
        "standard_errors": {n: _number(v) for n, v in model.standard_errors_.items()},
        "confidence_95": {n: [_number(table.loc[n, "lower_95"]),
                              _number(table.loc[n, "upper_95"])] for n in table.index},
        "log_likelihood": _number(model.log_likelihood_),
        "aic": _number(model.aic_),
        "bic": _number(model.bic_),
        "converged": bool(model.converged_),
        "iterations": int(model.iterations_),
        "seconds": round(seconds, 3),
    }


def as_text(result: dict) -> str:
    """Return the estimates as a small aligned table with the fit's figures below."""
    lines = [f"{result['name']} fitted to {result['n_customers']:,.0f} customers "
             f"(time unit: {result['time_unit']}) in {result['seconds']:.2f} s", "",
             f"{'parameter':<10} {'estimate':>12} {'std. error':>12}   95 % interval"]
    for name, value in result["params"].items():
        low, high = result["confidence_95"][name]
        lines.append(f"{name:<10} {_fmt(value):>12} {_fmt(result['standard_errors'][name]):>12}"
                     f"   {_fmt(low)} to {_fmt(high)}")
    lines += ["", f"log-likelihood {result['log_likelihood']:.2f}   AIC {result['aic']:.2f}   "
                  f"BIC {result['bic']:.2f}",
              "converged" if result["converged"] else "NOT converged: see the warning above"]
    return "\n".join(lines)


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4g}" if abs(value) >= 1e4 else f"{value:.4f}"


def _number(value: Any) -> float | None:
    number = float(value)
    return number if math.isfinite(number) else None
