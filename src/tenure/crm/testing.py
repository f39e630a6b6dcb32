"""Test helpers shared by every app: a base test case with personas.

Each persona holds one role, so a permission can be tested from both sides.
"""

from __future__ import annotations

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
