from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "tenure.crm.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self):
        # Every order or return saved or deleted one by one keeps its customer's figures.
        from django.db.models.signals import post_delete, post_migrate, post_save

        from tenure.crm.messaging import hooks
        from tenure.crm.sales.models import Order, Return

        from . import channels, stats

        # The outbox asks this app, at the moment of sending, whether consent still holds,
        # and hands it the customers' replies (/start, /stop, STOP).
        hooks.register(consent_gate=channels.consents, inbound_handler=channels.on_inbound)

        for signal in (post_save, post_delete):
            signal.connect(stats.on_order_change, sender=Order,
                           dispatch_uid=f"customer-stats-order-{signal is post_save}")
            signal.connect(stats.on_return_change, sender=Return,
                           dispatch_uid=f"customer-stats-return-{signal is post_save}")
        # A schema change that rebuilds the customers' table on SQLite drops the triggers
        # that keep the search index.
        post_migrate.connect(_keep_search_index, sender=self,
                             dispatch_uid="customers-search-index")


def _keep_search_index(sender, using, **kwargs):
    from django.db import connections

    from . import search_index

    search_index.ensure(connections[using])
