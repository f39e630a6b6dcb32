from django.urls import path

from . import views

app_name = "sales"
urlpatterns = [
    path("orders/", views.order_list, name="orders"),
    path("orders/new/", views.order_new, name="order_new"),
    path("orders/<id:pk>/", views.order_detail, name="order"),
    path("orders/<id:pk>/edit/", views.order_edit, name="order_edit"),
]
