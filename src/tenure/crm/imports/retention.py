"""How long the files of imports are kept: uploads until imported, rejects files for days.

An imported upload is removed at once (``views``); one never imported goes after
``TENURE_IMPORT_UPLOAD_HOURS``; a rejects file after ``TENURE_REJECTS_DAYS``, counted
from when it was written. ``tenure worker`` calls ``remove_expired`` every hour.
A file that cannot be removed is skipped and reported, never the end of the run.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from django.conf import settings

from .rejects import SUFFIX
from .storage import imports_dir, uploads_dir

log = logging.getLogger(__name__)

HOUR = 3600
DAY = 24 * HOUR


def remove_upload(folder: Path) -> list[str]:
    """Remove an upload's folder; return "path: reason" for what could not be removed."""
    failed = []
    for path in folder.iterdir() if folder.is_dir() else []:
        failed += _remove(path)
    if not failed:
        failed += _remove(folder)
    return failed


def remove_expired() -> str:
    """Remove abandoned uploads and old rejects files; return what was done and skipped."""
    now = time.time()
    upload_limit = now - settings.TENURE_IMPORT_UPLOAD_HOURS * HOUR
    rejects_limit = now - settings.TENURE_REJECTS_DAYS * DAY
    uploads, rejects, failed = 0, 0, []
    for folder in _entries(uploads_dir()):
        if _older(folder, upload_limit):
            problems = remove_upload(folder)
            failed += problems
            uploads += not problems
    for path in _entries(imports_dir()):
        if path.name.endswith(SUFFIX) and _older(path, rejects_limit):
            problems = _remove(path)
            failed += problems
            rejects += not problems
    for problem in failed:
        log.warning("could not remove %s", problem)
    text = f"removed {uploads} upload(s) and {rejects} rejects file(s)"
    return text + (f"; could not remove {len(failed)}: {'; '.join(failed)}" if failed else "")


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.iterdir()) if folder.is_dir() else []


def _older(path: Path, limit: float) -> bool:
    try:
        return path.lstat().st_mtime < limit
    except FileNotFoundError:  # removed meanwhile (an import just ran)
        return False


def _remove(path: Path) -> list[str]:
    try:
        if path.is_dir() and not path.is_symlink():
            path.rmdir()
        else:
            path.unlink(missing_ok=True)
    except FileNotFoundError:
        pass
    except OSError as exc:
        return [f"{path}: {exc.strerror or exc}"]
    return []
