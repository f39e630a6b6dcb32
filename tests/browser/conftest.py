"""Fixtures for the browser tests: users to sign in as, and a signed-in page."""

from __future__ import annotations

import pytest

from tenure.crm.accounts.models import Role
from tenure.crm.accounts.roles import sync_roles

PASSWORD = "browser-test-password"


def pytest_collection_modifyitems(items):
    for item in items:
        if "page" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def admin_user(transactional_db):
    """Return an administrator (staff) who signs in with ``PASSWORD``."""
    from django.contrib.auth.models import Group

    from tenure.crm.accounts.models import User

    sync_roles()
    user = User.objects.create_user(
        username="olena", password=PASSWORD, first_name="Olena", is_staff=True
    )
    user.groups.add(Group.objects.get(name=Role.ADMINISTRATOR))
    return user


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    """Sign in through the login form, as a person would."""
    page.goto("/accounts/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
