from django.urls import path

from . import views

app_name = "loyalty"
urlpatterns = [
    path("", views.programme, name="programme"),
    path("customers/<id:pk>/", views.customer_statement, name="statement"),
]
