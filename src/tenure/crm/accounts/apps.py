from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from tenure.crm import deployment  # noqa: F401  registers the deployment checks


def _sync_roles(sender, **kwargs):
    from django.contrib.auth.management import create_permissions

    from .roles import sync_roles

    # Django makes an app's permissions in a post_migrate receiver of its own, which may run
    # after this one: make them first, so the administrators' role gets those of every app.
    create_permissions(**kwargs)
    sync_roles()


class AccountsConfig(AppConfig):
    name = "tenure.crm.accounts"
    label = "accounts"
    verbose_name = _("Users and roles")

    def ready(self):
        # Permissions exist only after migrate has created them, so the role
        # groups are brought up to date after every migrate.
        post_migrate.connect(_sync_roles, dispatch_uid="tenure_sync_roles")
        from .middleware import stamp_sign_in

        user_logged_in.connect(stamp_sign_in, dispatch_uid="tenure_stamp_sign_in")


class AdminConfig(admin_apps.AdminConfig):
    """Django's Admin on Tenure's site, whose sign-in asks for the second factor."""

    default = False
    default_site = "tenure.crm.accounts.admin_site.AdminSite"
