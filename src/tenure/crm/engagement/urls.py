from django.urls import path

from . import complaint_views, views

app_name = "engagement"
urlpatterns = [
    path("customers/<id:pk>/log/", views.log_interaction, name="log_interaction"),
    path("customers/<id:pk>/plan/", views.plan_activity, name="plan_activity"),
    path("customers/<id:pk>/complaint/", complaint_views.register_complaint,
         name="register_complaint"),
    path("activities/<id:pk>/", views.activity_detail, name="activity"),
    path("agenda/", views.agenda, name="agenda"),
    path("agenda/calendar-address/", views.regenerate_feed, name="regenerate_feed"),
    path("calendar/<slug:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("complaints/", complaint_views.complaint_list, name="complaints"),
    path("complaints/report/", complaint_views.complaint_report, name="complaint_report"),
    path("complaints/<id:pk>/", complaint_views.complaint_detail, name="complaint"),
]
