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
    return _user("olena", Role.ADMINISTRATOR, first_name="Olena", is_staff=True)


@pytest.fixture
def manager_user(transactional_db):
    """Return a sales manager, who sees only the customers assigned to them."""
    return _user("petro", Role.SALES_MANAGER, first_name="Petro")


@pytest.fixture
def mail(settings, live_server):
    """A real SMTP server that Tenure's worker sends to; email links point at the live server."""
    from tenure.crm.messaging.testing import MailServer

    with MailServer() as server:
        settings.EMAIL_BACKEND = "tenure.crm.messaging.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.TENURE_BASE_URL = live_server.url
        yield server


def run_worker() -> None:
    """Run ``tenure worker``'s loop in this process until nothing is due."""
    from tenure.crm.jobs.worker import Worker

    Worker(poll_seconds=0, report=lambda line: None).run(until_idle=True)


def _user(username: str, role: str, **fields):
    from django.contrib.auth.models import Group

    from tenure.crm.accounts.models import User

    sync_roles()
    user = User.objects.create_user(username=username, password=PASSWORD, **fields)
    user.groups.add(Group.objects.get(name=role))
    return user


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    """Sign in through the login form, as a person would."""
    page.goto("/accounts/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
