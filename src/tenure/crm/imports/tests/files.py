"""Helpers for the import tests: write files in a temporary folder, run the command."""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path

from tenure.cli import main


class TempFiles:
    """A temporary folder removed with the test."""

    def __init__(self, test):
        folder = tempfile.TemporaryDirectory(prefix="tenure-import-test-")
        test.addCleanup(folder.cleanup)
        self.root = Path(folder.name)

    def text(self, name: str, content: str, encoding: str = "utf-8") -> Path:
        path = self.root / name
        path.write_bytes(content.encode(encoding))
        return path

    def path(self, name: str) -> Path:
        return self.root / name


def run_cli(*args: str) -> tuple[int, str, str]:
    """Run ``tenure <args>`` in this process; return (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()
