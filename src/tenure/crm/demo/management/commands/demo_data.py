"""``tenure demo-data``: fill the database with a believable three-year demo shop.

``--truth FILE`` writes what the simulation knows of each customer to FILE and each demo
campaign's true effect to FILE's name with ``-campaigns`` before its suffix
(``demo-truth.csv`` -> ``demo-truth-campaigns.csv``): one row per campaign step with
``campaign`` (its name), ``step``, ``window_days`` and ``true_uplift``, the difference
the campaign makes to the share of its customers who order within the window (0.06: six
percentage points), what ``tenure campaigns report`` estimates as ``uplift``; and the
loyalty programme's truth to FILE's name with ``-loyalty`` (``demo-truth-loyalty.csv``): one
row with ``start`` (its first day), ``enrolment`` (``automatic``: every customer who buys
from then on is a member) and ``true_order_lift``, the difference membership makes to how
often a customer orders (0: none in the simulation), against which the Loyalty page's
members-against-similar comparison can be checked.
"""

from __future__ import annotations

import argparse
import csv
from decimal import Decimal
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils.translation import gettext as _

from tenure.crm.demo.loading import customer_number
from tenure.crm.demo.marketing import WINDOW_DAYS
from tenure.crm.demo.shop import ShopSummary, build_demo_shop
from tenure.crm.demo.truth import Truth
from tenure.crm.lib.arguments import iso_date

TRUTH_COLUMNS = ["external_id", "alive_at_end", "purchase_rate", "dropout_probability",
                 "purchases_next_90d", "purchases_next_365d", "spend_next_365d"]
CAMPAIGN_TRUTH_COLUMNS = ["campaign", "step", "window_days", "true_uplift"]
LOYALTY_TRUTH_COLUMNS = ["start", "enrolment", "true_order_lift"]


def campaign_truth_path(path: Path) -> Path:
    """Return where the campaigns' truth goes beside the customers' truth at ``path``."""
    return path.with_name(f"{path.stem}-campaigns{path.suffix}")


def loyalty_truth_path(path: Path) -> Path:
    """Return where the loyalty programme's truth goes beside the customers' truth."""
    return path.with_name(f"{path.stem}-loyalty{path.suffix}")


def positive_int(text: str) -> int:
    """Parse a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(_("'%s' is not a whole number of at least 1") % text)
    return value


def positive_float(text: str) -> float:
    """Parse a number above 1 (every customer places at least one order on average)."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value >= 1:
        raise argparse.ArgumentTypeError(_("'%s' is not a number of at least 1") % text)
    return value


class Command(BaseCommand):
    @property
    def help(self) -> str:
        # argparse formats plain strings only, so the texts are translated when asked for.
        return _(
            "Build a demo shop: three years of customers, products, orders and returns, plus "
            "one sign-in per role (password tenure-demo). Old demo data is replaced."
        )

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=positive_int, default=5000, help=_(
            "How many customers to create (default 5000)."))
        parser.add_argument("--seed", type=int, default=1, help=_(
            "Random seed: the same seed, end date and size give the same shop (default 1)."))
        parser.add_argument("--end-date", type=iso_date, default=None, help=_(
            "The three simulated years end as this day begins, YYYY-MM-DD (default today: "
            "the last orders are yesterday's)."))
        parser.add_argument("--orders-per-customer", type=positive_float, default=None,
                            help=_(
            "Target mean number of orders per customer, to scale the purchase rate "
            "(default: the shop's natural rate, about 3.4)."))
        parser.add_argument("--keep-existing", action="store_true", help=_(
            "Do nothing if demo data is already there (the demo users are still ensured)."))
        parser.add_argument("--no-progress", action="store_true", help=_(
            "Do not show the progress bar."))
        parser.add_argument("--truth", type=Path, metavar="FILE", default=None, help=_(
            "Also write what the simulation knows of each customer to this CSV file: whether "
            "they were still a customer at the end, their true purchase rate and dropout "
            "probability, and what they buy in the 90 and 365 days after the end."))

    def handle(self, *args, **options):
        try:
            summary = build_demo_shop(
                customers=options["customers"], seed=options["seed"],
                end_date=options["end_date"], orders_per_customer=options["orders_per_customer"],
                keep_existing=options["keep_existing"],
                progress=not options["no_progress"] and options["verbosity"] > 0,
            )
        except DatabaseError as exc:
            raise CommandError(
                _("Could not write the demo shop (%s). Has 'tenure migrate' been run?") % exc
            ) from exc
        if options["verbosity"] > 0:
            self.report(summary)
        if options["truth"] is not None:
            self.write_truth(options["truth"], summary, options["verbosity"])

    def write_truth(self, path: Path, summary: ShopSummary, verbosity: int) -> None:
        """Write the truth of a shop just built to ``path``; leave it when the data was kept."""
        if summary.truth is None:
            if verbosity > 0:
                self.stdout.write(_("The demo data was kept: %s is left as it is.") % path)
            return
        try:
            with path.open("w", newline="", encoding="utf-8") as file:
                write_truth_csv(file, summary.truth)
            with campaign_truth_path(path).open("w", newline="", encoding="utf-8") as file:
                write_campaign_truth_csv(file, summary.truth)
            with loyalty_truth_path(path).open("w", newline="", encoding="utf-8") as file:
                write_loyalty_truth_csv(file, summary.truth)
        except OSError as exc:
            raise CommandError(_("Could not write the truth to %(path)s (%(error)s).") % {
                "path": path, "error": exc.strerror or exc}) from exc
        if verbosity > 0:
            self.stdout.write(_("The demo's truth is in %s.") % path)
            self.stdout.write(_("The campaigns' true effects are in %s.")
                              % campaign_truth_path(path))
            self.stdout.write(_("The loyalty programme's true effect is in %s.")
                              % loyalty_truth_path(path))

    def report(self, summary: ShopSummary) -> None:
        """Print what the demo database holds and how to sign in."""
        if summary.kept_existing:
            self.stdout.write(_("Demo data already present: kept as it is (--keep-existing)."))
        else:
            self.stdout.write(self.style.SUCCESS(
                _("Demo shop built in %.1f s.") % summary.seconds))
        span = "-"
        if summary.first_order:
            span = f"{summary.first_order:%Y-%m-%d} .. {summary.last_order:%Y-%m-%d}"
        for label, value in [
            (_("Customers"), f"{summary.customers:,}"), (_("Orders"), f"{summary.orders:,}"),
            (_("Order lines"), f"{summary.order_lines:,}"), (_("Returns"), f"{summary.returns:,}"),
            (_("Revenue, net of returns"), f"{summary.revenue:,.2f} {summary.currency}"),
            (_("Complaints"), f"{summary.complaints:,}"),
            (_("Interactions"), f"{summary.interactions:,}"),
            (_("Activities"), f"{summary.activities:,}"),
            (_("Survey answers"), f"{summary.survey_answers:,}"),
            (_("Orders from .. to"), span),
            (_("Sign in as"), ", ".join(summary.logins)), (_("Password"), summary.password),
        ]:
            self.stdout.write(f"  {label:<24} {value}")


def write_truth_csv(file, truth: Truth) -> None:
    """Write one row per demo customer; money in the shop currency with 2 decimals."""
    writer = csv.writer(file)
    writer.writerow(TRUTH_COLUMNS)
    columns = zip(truth.alive_at_end.tolist(), truth.purchase_rate.tolist(),
                  truth.dropout_probability.tolist(), truth.purchases_next_90d.tolist(),
                  truth.purchases_next_365d.tolist(), truth.spend_next_365d.tolist(),
                  strict=True)
    for i, (alive, rate, dropout, next_90, next_365, spend) in enumerate(columns):
        writer.writerow([customer_number(i), "true" if alive else "false", f"{rate:.8g}",
                         f"{dropout:.8g}", next_90, next_365, Decimal(spend).scaleb(-2)])


def write_campaign_truth_csv(file, truth: Truth) -> None:
    """Write one row per demo campaign step: its true effect on conversion in its window."""
    writer = csv.writer(file)
    writer.writerow(CAMPAIGN_TRUTH_COLUMNS)
    for name, uplift in truth.campaign_uplift.items():
        writer.writerow([name, 1, WINDOW_DAYS, f"{uplift:.4f}"])


def write_loyalty_truth_csv(file, truth: Truth) -> None:
    """Write the loyalty programme's row: its first day and its true effect (no row when
    the shop ran none)."""
    writer = csv.writer(file)
    writer.writerow(LOYALTY_TRUTH_COLUMNS)
    if truth.loyalty_start is not None:
        writer.writerow([truth.loyalty_start.isoformat(), "automatic",
                         f"{truth.loyalty_order_lift:.4f}"])
