from django.urls import path

from . import bulk_views, saved_views, views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_new, name="new"),
    path("bulk/", bulk_views.bulk_action, name="bulk"),
    path("views/", saved_views.save_view, name="save_view"),
    path("views/<id:pk>/delete/", saved_views.delete_view, name="delete_view"),
    path("<id:pk>/", views.customer_detail, name="detail"),
    path("<id:pk>/edit/", views.customer_edit, name="edit"),
    path("<id:pk>/consent/", views.customer_consent, name="consent"),
]
