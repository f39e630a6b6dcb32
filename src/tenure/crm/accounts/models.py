"""Users of Tenure and the roles they act in."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """The roles a user may hold; each is a Django group of the same name."""

    ADMINISTRATOR = "administrator", _("Administrator")
    MARKETER = "marketer", _("Marketer")
    SALES_MANAGER = "sales_manager", _("Sales manager")
    SUPPORT_AGENT = "support_agent", _("Support agent")
    ANALYST = "analyst", _("Analyst")


class TenureUserManager(UserManager):
    def administrators(self):
        """Return the active users who hold the administrator role (or are superusers)."""
        return self.filter(
            models.Q(is_superuser=True) | models.Q(groups__name=Role.ADMINISTRATOR),
            is_active=True,
        ).distinct()


class User(AbstractUser):
    """A person who signs in to Tenure."""

    language = models.CharField(_("language"), max_length=8, blank=True)

    objects = TenureUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        # People by name wherever a user is shown (an import's author, a view's owner...);
        # the login only when no name was given.
        return self.get_full_name() or self.username

    @property
    def message_language(self) -> str:
        """Return the language to write to the user in: theirs, or the shop's."""
        return self.language or settings.LANGUAGE_CODE

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
    def may_use_two_factor(self) -> bool:
        """Return whether the user may turn on two-factor sign-in: the administrators, who
        may open the Admin site."""
        return self.is_staff or self.is_superuser

    @property
    def sees_only_own_customers(self) -> bool:
        """Return whether the user is limited to the customers assigned to them.

        A sales manager works their own portfolio; any broader role lifts the limit.
        """
        if self.is_superuser:
            return False
        roles = self.role_names
        return Role.SALES_MANAGER in roles and not (roles - {Role.SALES_MANAGER})
