from django.urls import path

from . import public_views

# A namespace of its own: the root URL map includes this file at /s/ apart from /feedback/.
app_name = "survey"
urlpatterns = [
    path("<slug:token>/", public_views.answer, name="answer"),
    path("<slug:token>/why/", public_views.answer_why, name="answer_why"),
    path("<slug:token>/stop/", public_views.stop_emails, name="stop"),
    path("<slug:token>/<int:score>/", public_views.answer_score, name="answer_score"),
]
