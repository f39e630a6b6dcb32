"""``tenure insights refresh [--as-of DATE]``: recompute the analytics (the nightly job)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tenure.crm.insights.models import InsightsRun
from tenure.crm.insights.refreshing import STEPS, refresh_insights
from tenure.crm.lib.arguments import iso_date


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return _(
            "Recompute the Insights: KPIs, cohorts, segments, ABC/XYZ, clusters, the purchase, "
            "spend and churn models, the sales forecasts, and each customer's snapshot with "
            "their value, churn risk and reasons. `tenure worker` runs it every night at 02:00; "
            "without a worker, run it from cron: "
            "'30 0 * * * cd /srv/tenure && .venv/bin/tenure insights refresh --no-progress'."
        )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="refresh")
        refresh = actions.add_parser(
            "refresh", help=_("recompute the analytics and store today's snapshot"),
            description=self.help,
            called_from_command_line=getattr(parser, "called_from_command_line", None),
        )
        refresh.add_argument("--as-of", type=iso_date, default=None, help=_(
            "Snapshot date, YYYY-MM-DD: orders up to the end of that day count (default today)."))
        refresh.add_argument("--no-progress", action="store_true", help=_("no progress bar"))

    def handle(self, *args, **options):
        progress = _Progress(enabled=options["verbosity"] > 0 and not options["no_progress"])
        with progress:
            run = refresh_insights(as_of=options["as_of"], progress=progress.step)
        if run.status != InsightsRun.Status.DONE:
            raise CommandError(_("The refresh failed: %(error)s") % {"error": run.error})
        if options["verbosity"] > 0:
            self.stdout.write(summary(run))


def summary(run: InsightsRun) -> str:
    """Return the plain-text summary of a finished refresh."""
    totals, results = run.results.get("totals", {}), run.results
    seconds = (run.finished_at - run.started_at).total_seconds()
    lines = [
        _("Insights refreshed as of %(date)s in %(seconds).1f s.") % {
            "date": run.as_of.isoformat(), "seconds": seconds},
        f"  {_('Customers'):<24} {totals.get('customers', 0):,}",
        f"  {_('Buyers'):<24} {totals.get('buyers', 0):,}",
        f"  {_('Orders'):<24} {totals.get('orders', 0):,}",
        f"  {_('Revenue'):<24} {totals.get('revenue') or 0:,.2f}",
    ]
    if results.get("previous_as_of"):
        compared = _("Compared with")
        lines.append(f"  {compared:<24} {results['previous_as_of']}")
    lines += _model_lines(results)
    for warning in results.get("warnings", []):
        lines.append(_("  Note: %(warning)s") % {"warning": warning})
    return "\n".join(lines)


class _Progress:
    """A tqdm bar over the refresh's steps."""

    def __init__(self, *, enabled: bool):
        self.enabled, self.bar = enabled, None

    def __enter__(self) -> _Progress:
        if self.enabled:
            from tqdm import tqdm

            self.bar = tqdm(total=len(STEPS), unit="step", leave=False,
                            bar_format="{desc:<10} {bar} {n_fmt}/{total_fmt} [{elapsed}]")
        return self

    def step(self, name: str) -> None:
        if self.bar is not None:
            self.bar.update(STEPS.index(name) - self.bar.n)
            self.bar.set_description_str(name)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.close()


def _model_lines(results: dict) -> list[str]:
    """Return the summary lines of the value and churn models, when they were computed."""
    # Labels outside the f-strings: xgettext does not read calls inside them.
    lines = []
    value = results.get("value")
    if value:
        model, worth = _("Purchase model"), _("Customer value, 12 mo.")
        lines.append(f"  {model:<24} {value['chosen']}")
        lines.append(f"  {worth:<24} {value['totals']['clv']:,.2f}")
    churn = results.get("churn")
    if churn:
        table = churn["metrics"]
        auc = {row[table["columns"].index("model")]: row[table["columns"].index("roc_auc")]
               for row in table["rows"]}
        label = _("Churn model ROC AUC")
        baseline = _("(recency alone %(auc).3f)") % {"auc": auc["recency"]}
        lines.append(f"  {label:<24} {auc['model']:.3f} {baseline}")
    return lines
