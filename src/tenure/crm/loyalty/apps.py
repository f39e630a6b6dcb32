from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoyaltyConfig(AppConfig):
    name = "tenure.crm.loyalty"
    label = "loyalty"
    verbose_name = _("Loyalty")

    def ready(self):
        # customers stands below this app: it shows our entries once we hand it their source.
        from .timeline import register_sources

        register_sources()
