from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementConfig(AppConfig):
    name = "tenure.crm.engagement"
    label = "engagement"
    verbose_name = _("Engagement")

    def ready(self):
        # customers stands below this app: it shows our events once we hand it their source.
        from .bulk import register_actions
        from .searching import register_search
        from .timeline import register_sources

        register_sources()
        register_search()
        register_actions()
