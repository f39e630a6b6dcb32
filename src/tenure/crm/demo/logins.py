"""The demo's sign-ins: one user per role, all with the password ``tenure-demo``."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from tenure.crm.accounts.models import Role, User

PASSWORD = "tenure-demo"
# username -> (first name, last name, role)
DEMO_USERS = {
    "demo": ("Olena", "Kovalenko", Role.ADMINISTRATOR),
    "manager1": ("Andrii", "Shevchuk", Role.SALES_MANAGER),
    "manager2": ("Iryna", "Bondar", Role.SALES_MANAGER),
    "manager3": ("Dmytro", "Melnyk", Role.SALES_MANAGER),
    "marketer": ("Kateryna", "Lysenko", Role.MARKETER),
    "support": ("Oleh", "Tkachenko", Role.SUPPORT_AGENT),
    "analyst": ("Mariia", "Savchenko", Role.ANALYST),
}
MANAGERS = ["manager1", "manager2", "manager3"]
SUPPORT = "support"
MARKETER = "marketer"


def ensure_demo_users() -> dict[str, User]:
    """Create or update the demo users, each in their role's group."""
    # One hash for all: a password hash takes a noticeable fraction of a second.
    password = make_password(PASSWORD)
    users = {}
    for username, (first, last, role) in DEMO_USERS.items():
        admin = role == Role.ADMINISTRATOR
        user, _ = User.objects.update_or_create(username=username, defaults={
            "first_name": first, "last_name": last, "password": password, "is_active": True,
            "email": f"{username}@tenure.example", "is_staff": admin, "is_superuser": admin,
        })
        user.groups.set([Group.objects.get_or_create(name=role)[0]])
        users[username] = user
    return users
