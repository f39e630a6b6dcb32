"""Users of Tenure and the roles they act in."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """The roles a user may hold; each is a Django group of the same name."""

    ADMINISTRATOR = "administrator", _("Administrator")
    MARKETER = "marketer", _("Marketer")
    SALES_MANAGER = "sales_manager", _("Sales manager")
    SUPPORT_AGENT = "support_agent", _("Support agent")
    ANALYST = "analyst", _("Analyst")


class User(AbstractUser):
    """A person who signs in to Tenure."""

    language = models.CharField(_("language"), max_length=8, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def has_role(self, role: str) -> bool:
        """Return whether the user holds ``role`` (superusers hold every role)."""
        if self.is_superuser:
            return True
        return role in self.role_names

    @property
    def role_names(self) -> set[str]:
        if not hasattr(self, "_role_names"):
            self._role_names = set(self.groups.values_list("name", flat=True))
        return self._role_names

    @property
    def sees_only_own_customers(self) -> bool:
        """Return whether the user is limited to the customers assigned to them.

        A sales manager works their own portfolio; any broader role lifts the limit.
        """
        if self.is_superuser:
            return False
        roles = self.role_names
        return Role.SALES_MANAGER in roles and not (roles - {Role.SALES_MANAGER})
