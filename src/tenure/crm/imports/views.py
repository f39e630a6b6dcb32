"""The import pages: upload a file, check its first rows and mapping, run, see the summary."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import get_valid_filename

from . import rejects
from .forms import MappingForm, UploadForm
from .mapping import auto_mapping
from .models import ImportRun
from .permissions import ImportNotAllowed
from .reading import ImportFileError, read_table
from .running import matched_text, run_import

PREVIEW_ROWS = 10
RECENT_RUNS = 20
SESSION_KEY = "imports_uploads"


def importer_required(view):
    """Let only signed-in users who may import reach ``view`` (403 for the others)."""
    return login_required(permission_required("imports.add_importrun", raise_exception=True)(view))


def _upload_dir() -> Path:
    return Path(settings.VAR_DIR) / "imports" / "uploads"


def _save_upload(upload) -> tuple[str, Path]:
    token = str(uuid.uuid4())
    path = _upload_dir() / token / (get_valid_filename(Path(upload.name).name) or "upload")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return token, path


@importer_required
def upload(request):
    """Show the upload form and the past imports; keep an uploaded file for its preview."""
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        token, path = _save_upload(form.cleaned_data["file"])
        uploads = request.session.get(SESSION_KEY, {})
        uploads[token] = {"kind": form.cleaned_data["kind"], "path": str(path),
                          "name": form.cleaned_data["file"].name,
                          "source": form.cleaned_data["source"],
                          "consent_source": form.cleaned_data.get("consent_source", ""),
                          "consent_wording": form.cleaned_data.get("consent_wording", "")}
        request.session[SESSION_KEY] = uploads
        return redirect("imports:preview", token=token)
    runs = ImportRun.objects.select_related("user")[:RECENT_RUNS]
    return render(request, "imports/upload.html", {"form": form, "runs": runs})


def _pending(request, token) -> dict:
    pending = request.session.get(SESSION_KEY, {}).get(str(token))
    if pending is None:
        raise Http404
    return pending


@importer_required
def preview(request, token):
    """Show the first rows and the column mapping; run the import when the mapping is posted."""
    pending = _pending(request, token)
    error, status = "", 200
    try:
        table = read_table(pending["path"], pending["name"])
    except ImportFileError as exc:
        table, error = None, str(exc)
    form = None
    if table is not None:
        form = MappingForm(request.POST or None, kind=pending["kind"], headers=table.headers,
                           initial_mapping=auto_mapping(pending["kind"], table.headers))
        if request.method == "POST" and form.is_valid():
            try:
                result = run_import(pending["kind"], pending["path"], mapping=form.mapping(),
                                    source=pending["source"], user=request.user,
                                    file_name=pending["name"],
                                    consent_source=pending.get("consent_source", ""),
                                    consent_wording=pending.get("consent_wording", ""))
            except ImportFileError as exc:
                error = str(exc)
            except ImportNotAllowed as exc:
                error, status = str(exc), 403
            else:
                return redirect("imports:detail", pk=result.run.pk)
    return render(request, "imports/preview.html", {
        "pending": pending, "form": form, "error": error,
        "rows": table.head(PREVIEW_ROWS) if table else [],
        "total": table.num_rows if table else 0,
    }, status=status)


@importer_required
def detail(request, pk):
    """Show what one import did and the rows it rejected."""
    run = get_object_or_404(ImportRun.objects.select_related("user"), pk=pk)
    problems = rejects.read(run.rejects_file) if run.rejects_file else []
    return render(request, "imports/detail.html", {"run": run, "problems": problems,
                                                   "matched": matched_text(run.matched),
                                                   "shown_limit": 500})


@importer_required
def rejects_file(request, pk):
    """Send the rejects file of an import."""
    run = get_object_or_404(ImportRun, pk=pk)
    path = Path(run.rejects_file) if run.rejects_file else None
    if path is None or not path.is_file():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name,
                        content_type="text/csv")
