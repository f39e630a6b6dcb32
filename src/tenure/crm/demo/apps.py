from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    name = "tenure.crm.demo"
    label = "demo"
    verbose_name = _("Demo shop")
