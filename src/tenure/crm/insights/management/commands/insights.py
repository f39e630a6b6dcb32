"""``tenure insights refresh [--as-of DATE]``: recompute the analytics (the nightly job);
``tenure insights truth FILE``: set the latest refresh against the demo shop's truth."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tenure.analytics.exceptions import InputError
from tenure.crm.insights import truth
from tenure.crm.insights.models import InsightsRun
from tenure.crm.insights.refreshing import STEPS, refresh_insights
from tenure.crm.lib import formatting
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
        actions = parser.add_subparsers(dest="action", required=True,
                                        metavar="{refresh,truth}")
        refresh = actions.add_parser(
            "refresh", help=_("recompute the analytics and store today's snapshot"),
            description=self.help,
            called_from_command_line=getattr(parser, "called_from_command_line", None),
        )
        refresh.add_argument("--as-of", type=iso_date, default=None, help=_(
            "Snapshot date, YYYY-MM-DD: orders up to the end of that day count (default today)."))
        refresh.add_argument("--no-progress", action="store_true", help=_("no progress bar"))
        refresh.add_argument("--no-forecast", action="store_true", help=_(
            "Leave out the sales forecast, the slowest step on a history of years (the "
            "Forecast page then has none until a refresh with it)."))
        against = actions.add_parser(
            "truth", help=_("set the latest refresh's scores against the demo shop's truth"),
            description=_(
                "Set the latest refresh's churn risk, P(alive) and customer value against what "
                "the demo shop really does next (the file 'tenure demo-data --truth FILE' "
                "wrote), each beside the simple rule it has to beat."),
            called_from_command_line=getattr(parser, "called_from_command_line", None),
        )
        against.add_argument("file", type=Path, metavar="FILE", help=_("the truth CSV file"))

    def handle(self, *args, **options):
        if options["action"] == "truth":
            self.stdout.write(self.against_truth(options["file"]))
            return
        progress = _Progress(enabled=options["verbosity"] > 0 and not options["no_progress"])
        with progress:
            run = refresh_insights(as_of=options["as_of"], progress=progress.step,
                                   forecast=not options["no_forecast"])
        if run.status != InsightsRun.Status.DONE:
            raise CommandError(_("The refresh failed: %(error)s") % {"error": run.error})
        if options["verbosity"] > 0:
            self.stdout.write(summary(run))


    def against_truth(self, path: Path) -> str:
        """Return the latest refresh's figures against the truth in ``path``, as text."""
        run = InsightsRun.objects.latest_done()
        if run is None:
            raise CommandError(_("No refresh yet: run 'tenure insights refresh' first."))
        try:
            rows = truth.comparisons(run, path)
        except OSError as exc:
            raise CommandError(_("Could not read %(path)s (%(error)s).") % {
                "path": path, "error": exc.strerror or exc}) from exc
        except InputError as exc:
            raise CommandError(str(exc)) from exc
        return truth_table(run, truth.labelled(rows))


def truth_table(run: InsightsRun, rows: list[dict]) -> str:
    """Return the comparisons as a plain-text table with a verdict per row."""
    measure, score, baseline, beats = _("Measure"), _("Score"), _("Baseline"), _("Beats it")
    lines = [_("Against the demo's truth, refresh as of %(date)s:") % {
        "date": run.as_of.isoformat()},
        f"  {measure:<42} {score:<22} {'':>7}  {baseline:<30} {'':>7}  {beats}"]
    for r in rows:
        verdict = _("yes") if r["beats"] else _("no")
        lines.append(f"  {r['metric_name']!s:<42} {r['score_name']!s:<22} "
                     f"{_fixed(r['value']):>7}  {r['baseline_name']!s:<30} "
                     f"{_fixed(r['baseline_value']):>7}  {verdict}")
    n = {r["metric"]: r["n"] for r in rows}
    lines.append(_("  Customers judged: %(churn)s with a churn risk, %(alive)s with a "
                   "P(alive), %(value)s with a customer value.") % {
        "churn": f"{n.get('roc_auc', 0):,}", "alive": f"{n.get('brier', 0):,}",
        "value": f"{n.get('spearman', 0):,}"})
    return "\n".join(lines)


def _fixed(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def summary(run: InsightsRun) -> str:
    """Return the plain-text summary of a finished refresh."""
    totals, results = run.results.get("totals", {}), run.results
    seconds = (run.finished_at - run.started_at).total_seconds()
    lines = [
        _("Insights refreshed as of %(date)s in %(seconds).1f s.") % {
            "date": run.as_of.isoformat(), "seconds": seconds},
        f"  {_('Customers'):<24} {formatting.number(totals.get('customers', 0))}",
        f"  {_('Buyers'):<24} {formatting.number(totals.get('buyers', 0))}",
        f"  {_('Orders'):<24} {formatting.number(totals.get('orders', 0))}",
        f"  {_('Revenue'):<24} {formatting.money(totals.get('revenue') or 0)}",
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
        lines.append(f"  {worth:<24} {formatting.estimate(value['totals']['clv'])}")
    churn = results.get("churn")
    if churn:
        table = churn["metrics"]
        auc = {row[table["columns"].index("model")]: row[table["columns"].index("roc_auc")]
               for row in table["rows"]}
        label = _("Churn model ROC AUC")
        baseline = _("(recency alone %(auc).3f)") % {"auc": auc["recency"]}
        lines.append(f"  {label:<24} {auc['model']:.3f} {baseline}")
    return lines
