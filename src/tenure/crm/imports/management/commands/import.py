"""``tenure import customers|products|orders|order-lines|interactions|complaints FILE``:
load a file into the CRM."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tenure.crm.customers.models import ConsentSource
from tenure.crm.imports.loaders.customers import consent_evidence
from tenure.crm.imports.mapping import MappingError, fields_for, parse_overrides
from tenure.crm.imports.models import ImportKind
from tenure.crm.imports.reading import ImportFileError
from tenure.crm.imports.running import run_import, summary


def _fields_help() -> str:
    return "; ".join(f"{kind}: {', '.join(fields_for(kind))}" for kind in ImportKind.values)


class Command(BaseCommand):
    help = ("Import customers, products, orders, order lines, interactions or complaints "
            "from CSV, XLSX or Parquet.")

    def add_arguments(self, parser):
        parser.epilog = _("Fields per kind: %(fields)s.") % {"fields": _fields_help()}
        parser.add_argument("kind", choices=ImportKind.values)
        parser.add_argument("file")
        parser.add_argument("--map", action="append", default=[], metavar="HEADER=FIELD",
                            help=_("map a column to a field (repeatable); HEADER= ignores it"))
        parser.add_argument("--source", default="import",
                            help=_("where the records come from; ids are unique per source"))
        parser.add_argument("--rejects", metavar="PATH", help=_("where to write rejected rows"))
        parser.add_argument("--dry-run", action="store_true",
                            help=_("check and count everything, save nothing"))
        parser.add_argument("--no-progress", action="store_true", help=_("no progress bar"))
        parser.add_argument(
            "--consent-source", choices=[s.value for s in ConsentSource.granting()], default="",
            help=_("how the customers gave the consent the file grants; needed, with "
                   "--consent-wording, to import a file that grants consent"))
        parser.add_argument(
            "--consent-wording", default="", metavar="TEXT",
            help=_("the words the customers agreed to when they gave that consent"))

    def handle(self, *args, **options):
        try:
            overrides = parse_overrides(options["map"])
            consent_evidence(options["kind"], options["consent_source"],
                             options["consent_wording"])
        except ValueError as exc:  # MappingError is one
            raise CommandError(str(exc), returncode=2) from exc
        try:
            result = run_import(
                options["kind"], options["file"], mapping=overrides, source=options["source"],
                rejects_path=options["rejects"], dry_run=options["dry_run"],
                progress=options["verbosity"] > 0 and not options["no_progress"],
                consent_source=options["consent_source"],
                consent_wording=options["consent_wording"],
            )
        except MappingError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        except ImportFileError as exc:
            raise CommandError(str(exc), returncode=1) from exc
        if options["verbosity"] > 0:
            self.stdout.write(summary(result))
