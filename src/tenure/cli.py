"""The ``tenure`` command: Django's management commands plus Tenure's own.

``tenure import``, ``tenure demo-data``, ``tenure migrate``, ``tenure runserver``...
``tenure analyze`` runs without Django: it only calls the analytics library.
Exit status: 0 on success, 1 on failure, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

# Command names with a dash cannot be module names; they map to these.
ALIASES = {"demo-data": "demo_data"}


def main(argv: list[str] | None = None) -> int:
    """Run one ``tenure`` sub-command and return its exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "analyze":
        # A pure-library command: no settings, no database, a fast start.
        return analyze(args[1:])
    if args[:2] == ["help", "analyze"]:
        return analyze(["--help"])
    if args:
        args[0] = ALIASES.get(args[0], args[0])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenure.crm.settings")

    import django
    from django.core.management import execute_from_command_line, get_commands

    django.setup()
    if args and not args[0].startswith("-") and args[0] != "help":
        if args[0] not in get_commands():
            print(f"tenure: unknown command '{args[0]}'. Run 'tenure help' for the list.",
                  file=sys.stderr)
            return 2
    try:
        execute_from_command_line(["tenure", *args])
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    if args in ([], ["help"]):
        print("\n[analytics]\n    analyze  (retention report of a transactions file; no database)")
    return 0


# --- tenure analyze --------------------------------------------------------------------

ANALYZE_DESCRIPTION = """\
Compute retention analytics of a transactions file and write an offline report.

Reads CSV (any delimiter or whitespace-separated), XLSX or Parquet with one row per
purchase (a negative amount is a return). Columns are recognised by the same English,
Russian and Ukrainian names as `tenure import`; name them with the --*-col options when
they are called something else.

Writes to the output directory: report.html (one page, opens offline: KPIs, trends,
cohorts, RFM segments, ABC/XYZ, the N x V x L revenue bridge, clusters), kpi.csv (one
row per period), cohorts.csv, segments.csv and customers.csv (one row per customer).
No database is used."""

ANALYZE_EPILOG = """\
example:
  tenure analyze CDNOW_master.txt --date-col date --amount-col dollar_value --out cdnow

exit status: 0 done, 1 the file cannot be analysed (the message says why), 2 bad usage."""

# Option name -> canonical transactions column (tenure.analytics contract).
COLUMN_OPTIONS = {"customer": "customer_id", "date": "time", "amount": "amount",
                  "order": "order_id", "margin": "margin", "channel": "channel",
                  "store": "store", "manager": "manager", "segment": "segment"}


def analyze_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``tenure analyze``."""
    parser = argparse.ArgumentParser(
        prog="tenure analyze", description=ANALYZE_DESCRIPTION, epilog=ANALYZE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", help="transactions file: .csv, .txt, .xlsx or .parquet")
    columns = parser.add_argument_group(
        "columns", "file header of each field, when automatic matching does not find it")
    for option, canonical in COLUMN_OPTIONS.items():
        columns.add_argument(f"--{option}-col", metavar="HEADER",
                             help=f"column holding the {canonical}")
    parser.add_argument("--period", choices=["week", "month", "quarter", "year"],
                        default="month", help="length of KPI and cohort periods (default month)")
    parser.add_argument("--window-days", type=_positive_int, default=365, metavar="DAYS",
                        help="a customer counts as active this many days after a purchase "
                             "(default 365)")
    parser.add_argument("--as-of", metavar="YYYY-MM-DD", type=_day,
                        help="snapshot date: later purchases are left out "
                             "(default: the last purchase)")
    parser.add_argument("--out", default="tenure-report", metavar="DIR",
                        help="output directory (default ./tenure-report)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be a positive number of days")
    return value


def _day(text: str):
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write YYYY-MM-DD") from None


def analyze(argv: list[str]) -> int:
    """Run ``tenure analyze`` and return its exit status."""
    try:
        options = analyze_parser().parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    from tenure.analytics.analyze import analyze as run_analysis
    from tenure.analytics.exceptions import AnalyticsError

    columns = {getattr(options, f"{o}_col"): canonical
               for o, canonical in COLUMN_OPTIONS.items() if getattr(options, f"{o}_col")}
    started = time.perf_counter()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = run_analysis(
                options.file, columns=columns or None, period=options.period,
                window_days=options.window_days, as_of=options.as_of, out=options.out,
                progress=not options.no_progress)
    except (AnalyticsError, OSError) as exc:
        print(f"tenure analyze: {exc}", file=sys.stderr)
        return 1
    # The library's warnings (values left empty, too few repeat buyers...) as plain lines.
    for message in dict.fromkeys(str(w.message) for w in caught
                                 if not issubclass(w.category, DeprecationWarning)):
        print(f"warning: {message}", file=sys.stderr)
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


if __name__ == "__main__":
    sys.exit(main())
