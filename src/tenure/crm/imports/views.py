"""The import pages: upload a file, check its first rows and mapping, run, see the summary.

The file is parsed once, at upload, into a canonical table in a private folder of its
own; the preview and the import read that table. When a worker is running, the import is
queued for it (``queue``) and its page shows the progress; without one it runs in the
request. The folder goes when the import has run, or when ``tenure worker`` finds it
abandoned (``retention``).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from . import queue, rejects, retention
from .forms import MappingForm, UploadForm
from .mapping import auto_mapping
from .models import ImportRun
from .permissions import ImportNotAllowed
from .reading import ImportFileError, open_table, save_table
from .running import checked_mapping, matched_text, run_import
from .storage import private_folder, private_opener, uploads_dir

PREVIEW_ROWS = 10
RECENT_RUNS = 20
SESSION_KEY = "imports_uploads"


def importer_required(view):
    """Let only signed-in users who may import reach ``view`` (403 for the others)."""
    return login_required(permission_required("imports.add_importrun", raise_exception=True)(view))


def _save_upload(upload) -> tuple[str, int]:
    """Read an uploaded file into its canonical table; return its token and row count.

    The file as sent is kept only while it is read; ImportFileError leaves nothing behind.
    """
    token = str(uuid.uuid4())
    folder = private_folder(uploads_dir() / token)
    original = folder / "original"
    try:
        with open(original, "wb", opener=private_opener) as out:
            for chunk in upload.chunks():
                out.write(chunk)
        rows = save_table(original, folder / queue.TABLE_FILE, upload.name)
    except ImportFileError:
        retention.remove_upload(folder)
        raise
    finally:
        original.unlink(missing_ok=True)
    return token, rows


@importer_required
def upload(request):
    """Show the upload form and the past imports; read an uploaded file for its preview."""
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            token, _rows = _save_upload(form.cleaned_data["file"])
        except ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            uploads = request.session.get(SESSION_KEY, {})
            uploads[token] = {"kind": form.cleaned_data["kind"],
                              "name": form.cleaned_data["file"].name,
                              "source": form.cleaned_data["source"],
                              "consent_source": form.cleaned_data.get("consent_source", ""),
                              "consent_wording": form.cleaned_data.get("consent_wording", "")}
            request.session[SESSION_KEY] = uploads
            return redirect("imports:preview", token=token)
    runs = ImportRun.objects.select_related("user")[:RECENT_RUNS]
    return render(request, "imports/upload.html", {
        "form": form, "runs": runs, "max_mb": settings.TENURE_IMPORT_MAX_MB,
        "max_rows": settings.TENURE_IMPORT_MAX_ROWS,
        "max_columns": settings.TENURE_IMPORT_MAX_COLUMNS,
    })


def _pending(request, token) -> dict:
    pending = request.session.get(SESSION_KEY, {}).get(str(token))
    if pending is None:
        raise Http404
    return pending


def _forget(request, token) -> None:
    """Remove an upload's folder and its entry in the session: its import has run."""
    retention.remove_upload(uploads_dir() / str(token))
    uploads = request.session.get(SESSION_KEY, {})
    uploads.pop(str(token), None)
    request.session[SESSION_KEY] = uploads


@importer_required
def preview(request, token):
    """Show the first rows and the column mapping; run the import when the mapping is posted."""
    pending = _pending(request, token)
    path = queue.table_path(token)
    table, form, error, status = None, None, "", 200
    try:
        table = open_table(path, pending["name"])
    except ImportFileError:
        error = _("%(name)s is no longer kept: an upload not imported within %(hours)d hours "
                  "is removed. Upload the file again.") % {
            "name": pending["name"], "hours": settings.TENURE_IMPORT_UPLOAD_HOURS}
    if table is not None:
        form = MappingForm(request.POST or None, kind=pending["kind"], headers=table.headers,
                           initial_mapping=auto_mapping(pending["kind"], table.headers))
        if request.method == "POST" and form.is_valid():
            try:
                run = _start(request, token, pending, table, form.mapping())
            except ImportFileError as exc:
                # A run that failed is recorded with its error; the upload stays for a
                # corrected mapping until it expires.
                error = str(exc)
            except ImportNotAllowed as exc:
                _forget(request, token)
                form, error, status = None, str(exc), 403
            else:
                return redirect("imports:detail", pk=run.pk)
    return render(request, "imports/preview.html", {
        "pending": pending, "form": form, "error": error,
        "rows": table.head(PREVIEW_ROWS) if table else [],
        "total": table.num_rows if table else 0,
    }, status=status)


def _start(request, token, pending: dict, table, overrides: dict[str, str]) -> ImportRun:
    """Queue the import for the worker, or without one import it in the request (seconds
    for thousands of rows); return its run."""
    if queue.worker_running():
        return _enqueue(request, token, pending, table, overrides)
    result = run_import(pending["kind"], queue.table_path(token), mapping=overrides,
                        source=pending["source"], user=request.user,
                        file_name=pending["name"], table=table,
                        consent_source=pending.get("consent_source", ""),
                        consent_wording=pending.get("consent_wording", ""))
    _forget(request, token)
    return result.run


def _enqueue(request, token, pending: dict, table, overrides: dict[str, str]) -> ImportRun:
    """Check the mapping and the user's rights now, then queue the import for the worker."""
    mapping = checked_mapping(pending["kind"], table.headers, overrides, request.user,
                              pending["name"])
    run = queue.enqueue(kind=pending["kind"], token=str(token), file_name=pending["name"],
                        mapping=mapping, source=pending["source"], user=request.user,
                        consent_source=pending.get("consent_source", ""),
                        consent_wording=pending.get("consent_wording", ""))
    # The worker removes the upload once imported; the page forgets it now.
    uploads = request.session.get(SESSION_KEY, {})
    uploads.pop(str(token), None)
    request.session[SESSION_KEY] = uploads
    return run


@importer_required
def detail(request, pk):
    """Show what one import did and the rows it rejected."""
    run = get_object_or_404(ImportRun.objects.select_related("user"), pk=pk)
    kept = bool(run.rejects_file) and Path(run.rejects_file).is_file()
    days = settings.TENURE_REJECTS_DAYS
    return render(request, "imports/detail.html", {
        "run": run, "written": queue.rows_written(run) if run.waiting else 0,
        "worker_running": queue.worker_running() if run.waiting else True,
        "problems": rejects.read(run.rejects_file) if kept else [],
        "matched": matched_text(run.matched), "shown_limit": 500,
        "rejects_gone": bool(run.rejects_file) and not kept, "rejects_days": days,
        "rejects_until": (run.finished_at or run.started_at) + timedelta(days=days),
    })


@importer_required
def rejects_file(request, pk):
    """Send the rejects file of an import."""
    run = get_object_or_404(ImportRun, pk=pk)
    path = Path(run.rejects_file) if run.rejects_file else None
    if path is None or not path.is_file():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name,
                        content_type="text/csv")
