from django.urls import path

from . import views

app_name = "campaigns"
urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_new, name="new"),
    path("<id:pk>/", views.campaign_detail, name="campaign"),
    path("<id:pk>/edit/", views.campaign_edit, name="edit"),
    path("<id:pk>/status/", views.campaign_status, name="status"),
    path("<id:pk>/test/", views.campaign_test, name="test"),
    path("audiences/", views.audience_list, name="audiences"),
    path("audiences/new/", views.audience_new, name="audience_new"),
    path("audiences/count/", views.audience_count, name="audience_count"),
    path("audiences/<id:pk>/", views.audience_detail, name="audience"),
    path("audiences/<id:pk>/reward/", views.audience_reward, name="audience_reward"),
    path("offers/new/", views.offer_new, name="offer_new"),
    path("offers/<id:pk>/", views.offer_edit, name="offer"),
]
