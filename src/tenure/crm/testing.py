"""Test helpers shared by every app: a base test case with personas.

Each persona holds one role, so a permission can be tested from both sides.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
