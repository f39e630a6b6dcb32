"""Where imports keep files under ``TENURE_VAR_DIR``, made private whatever the umask.

Uploaded files and rejects files hold customers' personal data: every folder the
imports create is 0700 and every file 0600, so no other account on the server can
read them. ``tenure worker`` removes them in time (``retention``).
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def imports_dir() -> Path:
    """Return ``<TENURE_VAR_DIR>/imports``: the rejects files, and the uploads folder."""
    return Path(settings.VAR_DIR) / "imports"


def uploads_dir() -> Path:
    """Return the folder holding one private folder per upload awaiting its import."""
    return imports_dir() / "uploads"


def private_folder(path: Path) -> Path:
    """Create ``path`` with its missing parents as 0700 folders and return it.

    Folders that already exist are left as they are, except the imports' own, which are
    made private again (an older version created them world-readable).
    """
    owned = imports_dir()
    for folder in reversed([path, *path.parents]):
        if folder.is_dir():
            if folder == owned or owned in folder.parents:
                folder.chmod(FOLDER_MODE)
            continue
        folder.mkdir(mode=FOLDER_MODE, exist_ok=True)
        # mkdir's mode passes through the umask; chmod does not.
        folder.chmod(FOLDER_MODE)
    return path


def private_opener(path, flags: int) -> int:
    """Open ``path`` for ``open(..., opener=private_opener)``, the file 0600 from the start."""
    descriptor = os.open(path, flags, FILE_MODE)
    # A file that existed before keeps its mode through O_CREAT: set it.
    os.fchmod(descriptor, FILE_MODE)
    return descriptor
