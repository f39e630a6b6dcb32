from django.urls import path

from . import views

app_name = "messaging"
urlpatterns = [
    path("", views.notifications, name="notifications"),
    path("<id:pk>/", views.notification, name="notification"),
    path("read/", views.read_all, name="read_all"),
]
