"""``tenure campaigns report [CAMPAIGN] [--json]``: each campaign's steps, sent against held
out; ``tenure campaigns run``: run the active campaigns now (the worker's job)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import formats
from django.utils.translation import gettext as _

from tenure.crm.campaigns import reporting, running
from tenure.crm.campaigns.models import Campaign


def _percent(value) -> str:
    return "—" if value is None else f"{value * 100:+.1f}"


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return _(
            "Campaigns: 'report' prints each campaign's steps, the customers sent to against "
            "the control group held out, their conversions within the window, revenue, and "
            "the difference in conversion rate with its 95-percent interval; 'run' reaches whoever "
            "the active campaigns are due for now and queues their messages (`tenure worker` "
            "does it every 15 minutes)."
        )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{report,run}")
        report = actions.add_parser(
            "report", help=_("each campaign's effect against its control group"),
            description=self.help,
            called_from_command_line=getattr(parser, "called_from_command_line", None))
        report.add_argument("campaign", nargs="?", metavar="CAMPAIGN", help=_(
            "the campaign's name or number (every campaign when left out)"))
        report.add_argument("--json", action="store_true", help=_(
            "print JSON: a list of campaigns, each with name, trigger and steps"))
        actions.add_parser(
            "run", help=_("reach whoever the active campaigns are due for now"),
            description=self.help,
            called_from_command_line=getattr(parser, "called_from_command_line", None))

    def handle(self, *args, **options):
        if options["action"] == "run":
            done = running.run_due()
            self.stdout.write(_("%(campaigns)d active campaigns: %(sent)d messages queued, "
                                "%(held_out)d customers held out, %(unreachable)d with no "
                                "channel they agree to.") % done)
            for error in done["errors"]:
                self.stderr.write(error)
            if done["errors"]:
                raise CommandError(_("Some campaigns could not run."))
            return
        running.redeem_coupons()
        campaigns = Campaign.objects.all()
        if options["campaign"]:
            name = options["campaign"]
            campaigns = campaigns.filter(pk=int(name)) if name.isdigit() else \
                campaigns.filter(name=name)
            if not campaigns.exists():
                raise CommandError(_("No campaign “%(name)s”.") % {"name": name})
        result = reporting.report(campaigns.order_by("pk"))
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
            return
        if not result:
            self.stdout.write(_("No campaigns yet."))
        for campaign in result:
            self.stdout.write(f"{campaign['name']} ({campaign['trigger']})")
            for step in campaign["steps"]:
                self.stdout.write("  " + _(
                    "step %(step)d: sent to %(treated)s, held out %(control)s; converted "
                    "%(converted_treated)s and %(converted_control)s; uplift %(uplift)s pp "
                    "[%(low)s, %(high)s]; revenue %(revenue)s") % {
                    **step, "uplift": _percent(step["uplift"]),
                    "low": _percent(step["uplift_low"]), "high": _percent(step["uplift_high"]),
                    "revenue": formats.number_format(step["revenue_treated"] or 0, 2)})
