from django.urls import path

from . import public_views

# A namespace of its own: the root URL map includes this file at /m/, apart from the staff
# pages at /campaigns/.
app_name = "campaign_link"
urlpatterns = [
    path("<str:token>/", public_views.click, name="click"),
    path("<str:token>/stop/", public_views.stop, name="stop"),
]
