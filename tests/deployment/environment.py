"""The production environment that README's "Running in production" documents, in a folder."""

from __future__ import annotations

import importlib.util
import os
import runpy
import secrets
import subprocess
import sys
from pathlib import Path
from unittest import mock

TENURE = Path(sys.executable).with_name("tenure")
GUNICORN = Path(sys.executable).with_name("gunicorn")
HOST = "crm.example.com"
SETTINGS_FILE = importlib.util.find_spec("tenure.crm.settings").origin


def production_env(folder: Path, **overrides: str | None) -> dict[str, str]:
    """Return the documented production environment on SQLite in ``folder``.

    An override of None leaves that variable out.
    """
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(folder),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "tenure.crm.settings",
        "TENURE_VAR_DIR": str(folder / "var"),
        "TENURE_DATABASE_URL": f"sqlite:///{folder / 'var' / 'tenure.sqlite3'}",
        "TENURE_SECRET_KEY": secrets.token_urlsafe(50),
        "TENURE_ALLOWED_HOSTS": HOST,
        "TENURE_HTTPS": "1",
        "TENURE_CSRF_TRUSTED_ORIGINS": f"https://{HOST}",
        "TENURE_BASE_URL": f"https://{HOST}",
        "TENURE_PROXY_COUNT": "1",
    }
    env.update(overrides)
    return {name: value for name, value in env.items() if value is not None}


def run(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 120):
    """Run a command of ours in ``cwd`` (so no .env of the checkout is read)."""
    return subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


def settings_from(env: dict[str, str]) -> dict:
    """Return what tenure.crm.settings makes of ``env``, read afresh in this process."""
    kept = {name: value for name, value in os.environ.items()
            if not name.startswith("TENURE_") or name == "TENURE_VAR_DIR"}
    with mock.patch.dict(os.environ, {**kept, **env}, clear=True):
        return runpy.run_path(SETTINGS_FILE)
