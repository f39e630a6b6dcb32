"""``tenure analyze``: retention analytics of a transactions file into an offline report."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .arguments import (
    add_column_options,
    columns_of,
    day,
    library_warnings,
    parse,
    positive_int,
)

ANALYZE_DESCRIPTION = """\
Compute retention analytics of a transactions file and write an offline report.

Reads CSV (any delimiter or whitespace-separated), XLSX or Parquet with one row per
purchase (a negative amount is a return). Columns are recognised by the same English,
Russian and Ukrainian names as `tenure import`; name them with the --*-col options when
they are called something else.

Writes to the output directory: report.html (one page, opens offline: KPIs, trends,
cohorts, RFM segments, ABC/XYZ, the N x V x L revenue bridge, clusters), kpi.csv (one
row per period), cohorts.csv, segments.csv and customers.csv (one row per customer, with
its RFM scores and segment, ABC/XYZ class, cluster, and its value and risk: clv over the
next 12 months, p_alive, expected_purchases_90d, churn_risk and churn_reasons).
No database is used."""

ANALYZE_EPILOG = """\
example:
  tenure analyze CDNOW_master.txt --date-col date --amount-col dollar_value --out cdnow

exit status: 0 done, 1 the file cannot be analysed (the message says why), 2 bad usage."""

def analyze_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``tenure analyze``."""
    parser = argparse.ArgumentParser(
        prog="tenure analyze", description=ANALYZE_DESCRIPTION, epilog=ANALYZE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", help="transactions file: .csv, .txt, .xlsx or .parquet")
    add_column_options(parser)
    parser.add_argument("--period", choices=["week", "month", "quarter", "year"],
                        default="month", help="length of KPI and cohort periods (default month)")
    parser.add_argument("--window-days", type=positive_int, default=365, metavar="DAYS",
                        help="a customer counts as active this many days after a purchase "
                             "(default 365)")
    parser.add_argument("--as-of", metavar="YYYY-MM-DD", type=day,
                        help="snapshot date: later purchases are left out "
                             "(default: the last purchase)")
    parser.add_argument("--out", default="tenure-report", metavar="DIR",
                        help="output directory (default ./tenure-report)")
    parser.add_argument("--language", choices=["en", "ru", "uk"], default="en",
                        help="language of the churn reasons in customers.csv (default en)")
    parser.add_argument("--no-churn", action="store_true",
                        help="skip the churn model (minutes on a million customers): "
                             "churn_risk and churn_reasons stay empty")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser


def analyze(argv: list[str]) -> int:
    """Run ``tenure analyze`` and return its exit status."""
    options = parse(analyze_parser(), argv)
    if isinstance(options, int):
        return options
    from tenure.analytics.analyze import analyze as run_analysis
    from tenure.analytics.exceptions import AnalyticsError

    columns = columns_of(options)
    started = time.perf_counter()
    try:
        # The library's warnings (values left empty, too few repeat buyers...) as plain lines.
        with library_warnings():
            result = run_analysis(
                options.file, columns=columns, period=options.period,
                window_days=options.window_days, as_of=options.as_of, out=options.out,
                progress=not options.no_progress, language=options.language,
                churn=not options.no_churn)
    except (AnalyticsError, OSError) as exc:
        print(f"tenure analyze: {exc}", file=sys.stderr)
        return 1
    periods = len(result.kpis)
    print(f"{result.n_customers:,} customers, {result.purchases:,} purchases, "
          f"{result.first_purchase:%Y-%m-%d} to {result.last_purchase:%Y-%m-%d} "
          f"({periods} {options.period}{'s' if periods != 1 else ''}); "
          f"{time.perf_counter() - started:.1f} s")
    print("seconds per step: " + ", ".join(f"{name} {seconds:.1f}"
                                           for name, seconds in result.timings.items()))
    for note in result.notes:
        print(f"note: {note}")
    out = Path(options.out).resolve()
    print(f"report: {out / 'report.html'}")
    print(f"tables: {', '.join(p.name for k, p in result.files.items() if k != 'report')}"
          f" in {out}")
    return 0

