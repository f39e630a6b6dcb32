from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.upload, name="upload"),
    path("preview/<uuid:token>/", views.preview, name="preview"),
    path("<id:pk>/", views.detail, name="detail"),
    path("<id:pk>/rejects.csv", views.rejects_file, name="rejects"),
]
