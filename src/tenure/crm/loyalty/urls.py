from django.urls import path

from . import views

app_name = "loyalty"
urlpatterns = [
    path("", views.programme, name="programme"),
    path("customers/<id:pk>/", views.customer_statement, name="statement"),
    path("customers/<id:pk>/redeem/", views.redeem, name="redeem"),
    path("customers/<id:pk>/give/", views.give_points, name="give"),
    path("customers/<id:pk>/referral-code/", views.referral_code, name="referral_code"),
    path("customers/<id:pk>/referred/", views.referred, name="referred"),
]
