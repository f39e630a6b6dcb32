"""Run one import: check the user's rights, read, map, load in one transaction, write the
rejects, record the run.

``run_import`` is what the ``tenure import`` command, the upload page and the
benchmark call; it checks the rights of every user it is given (``permissions``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from tqdm import tqdm

from tenure.crm.customers import stats
from tenure.crm.customers.duplicates import count_possible_duplicates
from tenure.crm.lib import bulk

from . import rejects
from .loaders import complaints, customers, interactions, order_lines, orders, products
from .loaders.base import Context, Counts
from .loaders.matching import Via, describe
from .mapping import fields_for, missing_required, resolve_mapping
from .models import ImportKind, ImportRun, ImportStatus
from .permissions import ImportNotAllowed, check_may_import
from .reading import ImportFileError, SourceTable, read_table
from .rows import Rows

LOADERS = {
    ImportKind.CUSTOMERS: customers.load,
    ImportKind.PRODUCTS: products.load,
    ImportKind.ORDERS: orders.load,
    ImportKind.ORDER_LINES: order_lines.load,
    ImportKind.INTERACTIONS: interactions.load,
    ImportKind.COMPLAINTS: complaints.load,
}


@dataclass
class ImportResult:
    """What one import did, in rows of the file."""

    kind: str
    file_name: str
    rows: int
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    rejects_path: str = ""
    new_customers: int = 0
    matched: dict[str, int] = field(default_factory=dict)  # {matching.Via: customers}
    duplicates: int | None = None
    dry_run: bool = False
    run: ImportRun | None = None


def run_import(kind: str, path, *, mapping: dict[str, str] | None = None,
               source: str = "import", user=None, rejects_path=None, progress: bool = False,
               dry_run: bool = False, file_name: str | None = None, consent_source: str = "",
               consent_wording: str = "", table: SourceTable | None = None,
               run: ImportRun | None = None,
               advance: Callable[[int], None] | None = None) -> ImportResult:
    """Import the file at ``path`` as ``kind`` and return what it did.

    ``mapping`` overrides the automatic column mapping ({header: field}, "" ignores a
    column). ``user``, when given, must hold the rights of what the import writes
    (ImportNotAllowed otherwise); without one the import runs as the operator.
    A customers file that grants consent needs ``consent_source`` (how the customers
    gave it) and ``consent_wording`` (the words they agreed to). ``table`` is the file
    already read (the upload page reads it once, at upload). ``run`` is the record of a
    run queued for the worker (`queue`), filled in here; ``advance`` is told the rows
    written as they are. Raises ImportFileError (the run recorded, nothing changed) when
    the file cannot be imported at all.
    """
    if kind not in LOADERS:
        raise ValueError(f"unknown import kind {kind!r}")
    consent = customers.consent_evidence(kind, consent_source, consent_wording)
    if run is None:
        run = ImportRun(kind=kind, file_name=file_name or Path(path).name, source=source,
                        user=user if getattr(user, "pk", None) else None)
    try:
        result = _run(run, Path(path), mapping, rejects_path, progress, dry_run, user, consent,
                      table, advance)
    except Exception as exc:
        known = ImportFileError | ImportNotAllowed | ValueError
        run.error = str(exc) if isinstance(exc, known) else repr(exc)
        _finish(run, ImportStatus.FAILED)
        raise
    if not dry_run:
        _finish(run, ImportStatus.DONE)
    return result


def checked_mapping(kind: str, headers: list[str], overrides: dict[str, str] | None, user,
                    file_name: str) -> dict[str, str]:
    """Return the mapping an import of ``headers`` would use, once it is known to be allowed.

    Raises ImportNotAllowed (``user`` may not write what the mapped columns hold) or
    ImportFileError (a required field has no column): what the upload page says at once,
    before the run is queued.
    """
    check_may_import(user, kind)
    mapping = resolve_mapping(kind, headers, overrides)
    check_may_import(user, kind, mapping)
    _require_fields(kind, mapping, headers, file_name)
    return mapping


def _run(run: ImportRun, path: Path, overrides, rejects_path, progress, dry_run, user,
         consent, table, advance):
    if user is not None:
        check_may_import(user, run.kind)  # before the file is even read
    table = table if table is not None else read_table(path, run.file_name)
    run.mapping = resolve_mapping(run.kind, table.headers, overrides)
    if user is not None:
        check_may_import(user, run.kind, run.mapping)
    _require_fields(run.kind, run.mapping, table.headers, run.file_name)
    rows = Rows(table, run.mapping)
    bar = tqdm(desc=run.file_name, unit=" rows", file=sys.stderr, disable=not progress,
               leave=False)

    def written(count: int) -> None:
        bar.update(count)
        if advance is not None:
            advance(count)

    ctx = Context(source=run.source, file_name=run.file_name, currency=settings.TENURE_CURRENCY,
                  user_id=run.user_id, advance=written, consent=consent)
    try:
        with bulk.large_cache(), transaction.atomic():
            counts = LOADERS[run.kind](rows, ctx)
            if run.kind in (ImportKind.ORDERS, ImportKind.ORDER_LINES):
                stats.refresh_all()  # the lists sort by each customer's purchase figures
            duplicates = _duplicates() if run.kind == ImportKind.CUSTOMERS else None
            if dry_run:
                transaction.set_rollback(True)
    finally:
        bar.close()
    return _result(run, rows, counts, duplicates, _write_rejects(run, rows, rejects_path), dry_run)


def _require_fields(kind: str, mapping: dict[str, str], headers: list[str],
                    file_name: str) -> None:
    missing = missing_required(kind, mapping)
    if missing:
        raise ImportFileError(_(
            "%(name)s: no column for the required field(s) %(missing)s. The file's columns: "
            "%(columns)s. Fields of %(kind)s imports: %(fields)s. Choose the column of each "
            "on the upload page, or name it with --map \"Column=field\" in tenure import."
        ) % {"name": file_name, "missing": ", ".join(missing), "columns": ", ".join(headers),
             "kind": kind, "fields": ", ".join(fields_for(kind))})


def _duplicates() -> int:
    return count_possible_duplicates()


def _write_rejects(run: ImportRun, rows: Rows, rejects_path) -> str:
    if not rows.rejected and rejects_path is None:
        return ""
    path = Path(rejects_path) if rejects_path else rejects.default_path(run.file_name)
    rejects.write(path, rows)
    return str(path)


def _result(run, rows: Rows, counts: Counts, duplicates, rejects_path, dry_run) -> ImportResult:
    result = ImportResult(
        kind=run.kind, file_name=run.file_name, rows=rows.count + len(rows.table.bad_rows),
        inserted=counts.inserted, updated=counts.updated, unchanged=counts.unchanged,
        rejected=rows.rejected, rejects_path=rejects_path, new_customers=counts.new_customers,
        matched=counts.matched, duplicates=duplicates, dry_run=dry_run,
        run=None if dry_run else run,
    )
    for name in ("rows", "inserted", "updated", "unchanged", "rejected", "matched"):
        setattr(run, name, getattr(result, name))
    run.rejects_file = rejects_path
    return result


def _finish(run: ImportRun, status: str) -> None:
    run.finished_at = timezone.now()
    run.status = status
    run.save()


def summary(result: ImportResult) -> str:
    """Return the one-line summary of an import, as the command prints it."""
    text = ngettext(
        "%(file)s: %(rows)d row read, %(inserted)d inserted, %(updated)d updated, "
        "%(unchanged)d unchanged, %(rejected)d rejected",
        "%(file)s: %(rows)d rows read, %(inserted)d inserted, %(updated)d updated, "
        "%(unchanged)d unchanged, %(rejected)d rejected",
        result.rows,
    ) % {"file": result.file_name, "rows": result.rows, "inserted": result.inserted,
         "updated": result.updated, "unchanged": result.unchanged, "rejected": result.rejected}
    if result.rejects_path:
        text += _(" (rejects: %(path)s)") % {"path": result.rejects_path}
    if result.new_customers:
        text += ngettext("; %(count)d new customer", "; %(count)d new customers",
                         result.new_customers) % {"count": result.new_customers}
    if result.matched:
        text += _("; existing customers: %(matched)s") % {"matched": matched_text(result.matched)}
    if result.duplicates is not None:
        text += ngettext("; %(count)d possible duplicate", "; %(count)d possible duplicates",
                         result.duplicates) % {"count": result.duplicates}
    if result.dry_run:
        text += _("; dry run: nothing was saved")
    return text


def matched_text(matched: dict[str, int]) -> str:
    """Return "12 matched by email, 3 matched by phone" for an import's matched customers."""
    # In the order of the matching steps: PostgreSQL's jsonb keeps no key order.
    return ", ".join(describe(via, matched[via]) for via in Via.REPORTED if matched.get(via))
