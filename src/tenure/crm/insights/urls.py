from django.urls import path

from . import views

app_name = "insights"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("cohorts/", views.cohorts, name="cohorts"),
    path("segments/", views.segments, name="segments"),
    path("value/", views.value, name="value"),
    path("refresh/", views.refresh, name="refresh"),
]
