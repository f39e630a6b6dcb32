"""Helpers for the import tests: write files in a temporary folder, run the command."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from django.core.management import CommandError, call_command
from django.test import override_settings


class TempFiles:
    """A temporary folder removed with the test."""

    def __init__(self, test):
        folder = tempfile.TemporaryDirectory(prefix="tenure-import-test-")
        test.addCleanup(folder.cleanup)
        self.root = Path(folder.name)

    def text(self, name: str, content: str, encoding: str = "utf-8") -> Path:
        return self.bytes(name, content.encode(encoding))

    def bytes(self, name: str, content: bytes) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        return path

    def path(self, name: str) -> Path:
        return self.root / name


def own_var_dir(test) -> Path:
    """Give ``test`` a TENURE_VAR_DIR of its own, removed with it; return it."""
    folder = tempfile.TemporaryDirectory(prefix="tenure-var-")
    test.addCleanup(folder.cleanup)
    setting = override_settings(VAR_DIR=Path(folder.name))
    setting.enable()
    test.addCleanup(setting.disable)
    return Path(folder.name)


def run_command(*args: str) -> tuple[int, str, str]:
    """Run ``tenure import <args>`` on the test database; return (status, stdout, error).

    In-process, so it runs inside the test's transaction on SQLite and PostgreSQL
    alike (the real command line closes every connection when it ends).
    """
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), str(exc)
    return 0, out.getvalue(), err.getvalue()
