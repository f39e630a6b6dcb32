from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "tenure.crm.feedback"
    label = "feedback"
    verbose_name = _("Feedback")

    def ready(self):
        # customers stands below this app: it shows our events once we hand it their source.
        from .bulk import register_actions
        from .timeline import register_sources

        register_sources()
        register_actions()
