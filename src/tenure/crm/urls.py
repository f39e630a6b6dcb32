"""URL map of the Tenure web app."""

from django.contrib import admin
from django.urls import include, path, register_converter

from tenure.crm import home
from tenure.crm.lib.converters import IdConverter

# Before the apps' maps are included: they use <id:pk> for database ids.
register_converter(IdConverter, "id")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("tenure.crm.accounts.urls")),
    path("customers/duplicates/", include("tenure.crm.customers.merge_urls")),
    path("customers/", include("tenure.crm.customers.urls")),
    path("search/", include("tenure.crm.customers.search_urls")),
    path("sales/", include("tenure.crm.sales.urls")),
    path("import/", include("tenure.crm.imports.urls")),
    path("insights/", include("tenure.crm.insights.urls")),
    path("engagement/", include("tenure.crm.engagement.urls")),
    path("feedback/", include("tenure.crm.feedback.urls")),
    path("campaigns/", include("tenure.crm.campaigns.urls")),
    path("loyalty/", include("tenure.crm.loyalty.urls")),
    path("notifications/", include("tenure.crm.messaging.urls")),
    path("privacy/", include("tenure.crm.privacy.urls")),
    # The public survey answer page: short links that fit in an email, no sign-in.
    path("s/", include("tenure.crm.feedback.public_urls")),
    path("m/", include("tenure.crm.campaigns.public_urls")),
    path("", home.home, name="home"),
]
