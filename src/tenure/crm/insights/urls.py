from django.urls import path

from . import views

app_name = "insights"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("cohorts/", views.cohorts, name="cohorts"),
    path("segments/", views.segments, name="segments"),
    path("value/", views.value, name="value"),
    path("forecast/", views.forecast, name="forecast"),
    path("models/", views.models, name="models"),
    path("at-risk/", views.at_risk, name="at_risk"),
    path("managers/", views.managers, name="managers"),
    path("refresh/", views.refresh, name="refresh"),
]
