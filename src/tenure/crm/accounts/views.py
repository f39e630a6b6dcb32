"""Sign-in and the language switch, which follows the user from one session to the next."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import check_for_language
from django.views import i18n
from django.views.decorators.http import require_POST


def _remember_language(response, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language, max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
    )


class LoginView(auth_views.LoginView):
    """Sign the user in and bring back the language they chose last time."""

    def form_valid(self, form):
        response = super().form_valid(form)
        if form.get_user().language and check_for_language(form.get_user().language):
            _remember_language(response, form.get_user().language)
        return response


@require_POST
def set_language(request):
    """Switch the interface language and keep the choice on the user's record."""
    response = i18n.set_language(request)
    language = request.POST.get("language", "")
    known = language in dict(settings.LANGUAGES)
    if known and request.user.is_authenticated and request.user.language != language:
        request.user.language = language
        request.user.save(update_fields=["language"])
    return response


@login_required
def home(request):
    """Send a signed-in user to their customer list."""
    return redirect("customers:list")
