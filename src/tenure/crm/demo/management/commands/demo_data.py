"""``tenure demo-data``: fill the database with a believable three-year demo shop."""

from __future__ import annotations

import argparse

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils.translation import gettext as _

from tenure.crm.demo.shop import ShopSummary, build_demo_shop
from tenure.crm.lib.arguments import iso_date


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
