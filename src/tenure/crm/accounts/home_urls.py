from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import path


@login_required
def home(request):
    """Send a signed-in user to their customer list."""
    return redirect("customers:list")


urlpatterns = [path("", home, name="home")]
