"""What the analyst commands share: column options, argument types, library warnings."""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

# Option name -> canonical transactions column (tenure.analytics contract).
COLUMN_OPTIONS = {"customer": "customer_id", "date": "time", "amount": "amount",
                  "order": "order_id", "margin": "margin", "channel": "channel",
                  "store": "store", "manager": "manager", "segment": "segment"}


def add_column_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--customer-col``, ``--date-col``... to ``parser``."""
    columns = parser.add_argument_group(
        "columns", "file header of each field, when automatic matching does not find it")
    for option, canonical in COLUMN_OPTIONS.items():
        columns.add_argument(f"--{option}-col", metavar="HEADER",
                             help=f"column holding the {canonical}")
    columns.add_argument(
        "--columns", metavar="NAMES", type=_names,
        help="for a text file without a header line: the field of each column in order, "
             "comma-separated, empty to skip one (CDNOW_sample.txt: ,customer_id,time,,amount)")


def columns_of(options: argparse.Namespace) -> dict[str, str] | list[str | None] | None:
    """Return the column mapping the options ask for: by header, or by position."""
    if getattr(options, "columns", None):
        return options.columns
    columns = {getattr(options, f"{o}_col"): canonical
               for o, canonical in COLUMN_OPTIONS.items() if getattr(options, f"{o}_col")}
    return columns or None


def _names(text: str) -> list[str | None]:
    names = [name.strip() or None for name in text.split(",")]
    known = set(COLUMN_OPTIONS.values())
    unknown = [n for n in names if n is not None and n not in known]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown field {', '.join(unknown)}; fields are {', '.join(sorted(known))}")
    return names


def positive_int(text: str) -> int:
    """Parse a whole number above zero (an argparse type)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be a positive number")
    return value


def day(text: str) -> date:
    """Parse an ISO date (an argparse type)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write YYYY-MM-DD") from None


def parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace | int:
    """Return the parsed options, or the exit status argparse chose (2, or 0 for --help)."""
    try:
        return parser.parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2


@contextmanager
def library_warnings(prefix: str = "warning") -> Iterator[None]:
    """Collect the library's warnings and print each distinct one once, as a plain line."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        finally:
            for message in dict.fromkeys(str(w.message) for w in caught
                                         if not issubclass(w.category, DeprecationWarning)):
                print(f"{prefix}: {message}", file=sys.stderr)
