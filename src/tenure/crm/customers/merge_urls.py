"""URLs of possible duplicates, their merge, and the merge history."""

from django.urls import path

from . import merge_views

app_name = "duplicates"
urlpatterns = [
    path("", merge_views.duplicate_list, name="list"),
    path("<id:first>/<id:second>/", merge_views.compare, name="compare"),
    path("history/", merge_views.history, name="history"),
    path("history/<id:pk>/undo/", merge_views.undo, name="undo"),
]
