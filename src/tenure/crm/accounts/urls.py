from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/code/", views.LoginCodeView.as_view(), name="login_code"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("two-factor/", views.two_factor_settings, name="two_factor"),
    path("two-factor/disable/", views.two_factor_disable, name="two_factor_disable"),
    path("language/", views.set_language, name="set_language"),
]
