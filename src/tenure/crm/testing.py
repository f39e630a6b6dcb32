"""Test helpers shared by every app: a base test case with personas.

Each persona holds one role, so a permission can be tested from both sides.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group
from django.test import TestCase

from tenure.crm.accounts.models import Role, User

PASSWORD = "persona-password"


def make_user(username: str, *roles: str, **fields) -> User:
    """Create a user holding ``roles`` with the shared test password."""
    user = User.objects.create_user(username=username, password=PASSWORD, **fields)
    for role in roles:
        user.groups.add(Group.objects.get(name=role))
    return user


def run_tenure(*args: str, var_dir: Path, answer: str = "") -> subprocess.CompletedProcess:
    """Run the real ``tenure`` command line in a child process, on a SQLite database of its
    own in ``var_dir``; ``answer`` is what it reads from standard input."""
    env = {**os.environ, "TENURE_VAR_DIR": str(var_dir),
           "TENURE_DATABASE_URL": f"sqlite:///{var_dir / 'cli.sqlite3'}"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    tenure = Path(sys.executable).with_name("tenure")
    return subprocess.run([str(tenure), *args], env=env, input=answer, capture_output=True,
                          text=True, timeout=120, check=False)


def migrate_cli_database(var_dir: Path) -> None:
    """Give ``var_dir`` the migrated SQLite database `run_tenure` works on.

    The first call of a test run migrates one with the real ``tenure migrate`` (seconds:
    every migration, in a child process); later calls copy that file.
    """
    global _migrated
    if _migrated is None:
        folder = Path(tempfile.mkdtemp(prefix="cli-migrated-", dir=settings.VAR_DIR))
        done = run_tenure("migrate", "-v", "0", var_dir=folder)
        assert done.returncode == 0, done.stderr
        _migrated = folder / "cli.sqlite3"
    for suffix in ("", "-wal"):  # SQLite empties its log when the last connection closes
        if (source := _migrated.with_name(_migrated.name + suffix)).exists():
            shutil.copyfile(source, var_dir / source.name)


_migrated: Path | None = None


class TenureTestCase(TestCase):
    """A test case with an administrator, two sales managers, a marketer,
    a support agent, an analyst and a user with no role."""

    @classmethod
    def setUpTestData(cls):
        cls.admin = make_user("alice", Role.ADMINISTRATOR, is_staff=True)
        cls.manager = make_user("bob", Role.SALES_MANAGER, first_name="Bob")
        cls.other_manager = make_user("carol", Role.SALES_MANAGER, first_name="Carol")
        cls.marketer = make_user("mary", Role.MARKETER)
        cls.support = make_user("sam", Role.SUPPORT_AGENT)
        cls.analyst = make_user("ann", Role.ANALYST)
        cls.nobody = make_user("nick")

    def login(self, user: User) -> None:
        self.client.force_login(user)
