from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from tenure.crm.customers import segments


class InsightsConfig(AppConfig):
    name = "tenure.crm.insights"
    label = "insights"
    verbose_name = _("Insights")

    def ready(self):
        # customers and feedback stand below insights: they read the segments it hands over.
        from .models import CustomerSnapshot, Segment

        segments.register(Segment, CustomerSnapshot)
