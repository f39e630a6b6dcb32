from django.urls import path

from . import views

app_name = "feedback"
urlpatterns = [
    path("", views.survey_list, name="surveys"),
    path("new/", views.survey_new, name="survey_new"),
    path("<id:pk>/", views.survey_detail, name="survey"),
    path("customers/<id:pk>/send/", views.send_survey, name="send_survey"),
]
