"""Imports done by the worker: the upload page queues a run, ``tenure worker`` runs it.

A file of a million lines takes half a minute or more to import: too long for a web
request. When a worker is running, the upload page checks the mapping and the user's
rights at once, records the run as queued and asks the worker to start; the worker's
"imports" job claims each queued run with a conditional UPDATE (two workers never take
the same run), imports the upload, removes its folder and records how it went. Meanwhile
the run's page shows the rows written so far, which the worker keeps in a file of the
upload's folder: the import's own transaction hides its rows from other connections, and
SQLite would hold a progress row locked until the end.
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

from django.utils.translation import gettext as _

from tenure.crm.jobs.models import PeriodicJob, WorkerProcess

from . import retention
from .models import ImportRun, ImportStatus
from .permissions import ImportNotAllowed
from .reading import ImportFileError, open_table
from .running import run_import
from .storage import private_opener, uploads_dir

JOB = "imports"
TABLE_FILE = "table.arrow"
PROGRESS_FILE = "progress"
#: Seconds between two writes of the progress file.
PROGRESS_EVERY = 0.5


def worker_running() -> bool:
    """Return whether a worker is alive to take a queued import."""
    return WorkerProcess.objects.alive().exists()


def table_path(token: str) -> Path:
    """Return the canonical table of the upload ``token``."""
    return uploads_dir() / str(token) / TABLE_FILE


def enqueue(*, kind: str, token: str, file_name: str, mapping: dict[str, str], source: str,
            user, consent_source: str = "", consent_wording: str = "") -> ImportRun:
    """Record an import of the upload ``token`` for the worker and ask it to start now."""
    run = ImportRun.objects.create(
        kind=kind, file_name=file_name, source=source, mapping=mapping, user=user,
        status=ImportStatus.QUEUED, upload=str(token), consent_source=consent_source,
        consent_wording=consent_wording)
    PeriodicJob.run_soon(JOB)
    return run


def run_queued() -> str:
    """Run every queued import, oldest first (the worker's "imports" job); say what ran.

    The upload lies on this host's disk, so the worker of this host runs it. A worker found
    dead (`Worker.recover`) leaves its runs to be started again; its import's transaction
    was rolled back with it.
    """
    worker = WorkerProcess.objects.filter(
        hostname=socket.gethostname(), pid=os.getpid(), stopped_at__isnull=True).first()
    ImportRun.objects.filter(status=ImportStatus.RUNNING,
                             worker__stopped_at__isnull=False).update(
        status=ImportStatus.QUEUED, worker=None)
    done = failed = 0
    for pk in ImportRun.objects.filter(status=ImportStatus.QUEUED).order_by("pk") \
            .values_list("pk", flat=True):
        # Conditional UPDATE: of two workers, exactly one takes the run.
        if not ImportRun.objects.filter(pk=pk, status=ImportStatus.QUEUED).update(
                status=ImportStatus.RUNNING, worker=worker):
            continue
        run = ImportRun.objects.select_related("user").get(pk=pk)
        if _run(run):
            done += 1
        else:
            failed += 1
    return f"{done} import(s) done, {failed} failed" if done or failed else ""


def _run(run: ImportRun) -> bool:
    """Import a claimed run's upload; return whether it succeeded (its record says how)."""
    folder = uploads_dir() / run.upload
    if run.user is None:  # the user who queued it was deleted meanwhile: nobody's rights
        run.error = _("The user who started this import no longer exists; nothing was "
                      "imported.")
        run.status = ImportStatus.FAILED
        run.save()
        retention.remove_upload(folder)
        return False
    progress = Progress(folder)
    try:
        path = folder / TABLE_FILE
        run_import(run.kind, path, mapping=run.mapping, source=run.source, user=run.user,
                   file_name=run.file_name, table=open_table(path, run.file_name),
                   consent_source=run.consent_source, consent_wording=run.consent_wording,
                   run=run, advance=progress.advance)
    except (ImportFileError, ImportNotAllowed, ValueError):
        # Recorded on the run by run_import; the upload stays until it expires.
        progress.clear()
        return False
    retention.remove_upload(folder)
    return True


class Progress:
    """The rows an import has written so far, kept in its upload's folder."""

    def __init__(self, folder: Path):
        self.path = folder / PROGRESS_FILE
        self.rows = 0
        self.written_at = 0.0

    def advance(self, rows: int) -> None:
        self.rows += rows
        now = time.monotonic()
        if now - self.written_at >= PROGRESS_EVERY:
            self.written_at = now
            self._write()

    def _write(self) -> None:
        partial = self.path.with_suffix(".new")
        with open(partial, "w", opener=private_opener) as out:
            out.write(str(self.rows))
        os.replace(partial, self.path)  # a reader sees the old number or the new, whole

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


def rows_written(run: ImportRun) -> int:
    """Return how many rows the worker has written for ``run`` so far (0 before it starts)."""
    try:
        return int((uploads_dir() / run.upload / PROGRESS_FILE).read_text())
    except (OSError, ValueError):
        return 0
