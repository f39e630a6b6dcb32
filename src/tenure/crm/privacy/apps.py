from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


def _secure_delete(sender, connection, **kwargs):
    """Have SQLite zero the bytes of deleted and overwritten rows, so an erased value
    does not linger in free space of the database file."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA secure_delete = ON")


class PrivacyConfig(AppConfig):
    name = "tenure.crm.privacy"
    label = "privacy"
    verbose_name = _("Privacy")

    def ready(self):
        from . import auditing

        auditing.register()
        connection_created.connect(_secure_delete, dispatch_uid="privacy_secure_delete")
