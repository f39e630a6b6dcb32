from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender, **kwargs):
    from .roles import sync_roles

    sync_roles()


class AccountsConfig(AppConfig):
    name = "tenure.crm.accounts"
    label = "accounts"
    verbose_name = _("Users and roles")

    def ready(self):
        # Permissions exist only after migrate has created them, so the role
        # groups are brought up to date after every migrate.
        post_migrate.connect(_sync_roles, dispatch_uid="tenure_sync_roles")
