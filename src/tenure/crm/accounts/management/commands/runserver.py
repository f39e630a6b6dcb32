"""``tenure runserver``: Django's development server, which refuses the public key too."""

from __future__ import annotations

from django.contrib.staticfiles.management.commands.runserver import Command as RunserverCommand
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandError

from tenure.crm.deployment import refuse_insecure_serving


class Command(RunserverCommand):
    def handle(self, *args, **options):
        try:
            refuse_insecure_serving()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None
        return super().handle(*args, **options)
