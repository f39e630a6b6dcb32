"""Sign-in (with its optional second step), password change, two-factor set-up, and the
language switch, which follows the user from one session to the next."""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.http import require_POST
from django.views.generic import FormView
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import two_factor
from .forms import CodeForm, DisableTwoFactorForm


def _signed_in(response, user):
    """Bring back the language the user chose last time."""
    if user.language and check_for_language(user.language):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, user.language,
            max_age=settings.LANGUAGE_COOKIE_AGE, samesite="Lax",
        )
    return response


class LoginView(auth_views.LoginView):
    """Check the password; ask for the code next when the user has turned two-factor on."""

    def form_valid(self, form):
        user = form.get_user()
        if two_factor.confirmed_device(user) is not None:
            two_factor.hold(self.request.session, user, self.get_success_url())
            return redirect("login_code")
        return _signed_in(super().form_valid(form), user)


class LoginCodeView(FormView):
    """Sign in a user whose password was right once they give their authenticator's code."""

    template_name = "registration/login_code.html"
    form_class = CodeForm

    def dispatch(self, request, *args, **kwargs):
        self.user = two_factor.held(request.session)
        self.device = self.user and two_factor.confirmed_device(self.user)
        if self.device is None:
            messages.info(request, _("Sign in again: the code was not given in time."))
            return redirect("login")
        self.credentials = {"username": self.user.get_username()}
        if request.method == "POST" and not AxesProxyHandler.is_allowed(
                request, self.credentials):
            return locked_out(request)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "device": self.device}

    def form_valid(self, form):
        pending = self.request.session.pop(two_factor.PENDING)
        auth_login(self.request, self.user, self.user.backend)
        otp_login(self.request, self.device)
        return _signed_in(redirect(pending["next"]), self.user)

    def form_invalid(self, form):
        # A wrong code counts against the user and the address like a wrong password.
        user_login_failed.send(sender=__name__, credentials=self.credentials,
                               request=self.request)
        return super().form_invalid(form)


def locked_out(request, response=None, credentials=None):
    """Refuse sign-in for the cool-off time, and say when to try again (django-axes)."""
    cool_off = get_cool_off(request)
    return render(request, "registration/locked_out.html", {
        "retry_at": timezone.now() + cool_off if cool_off else None,
        "minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
    }, status=429)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Let every user change their own password."""

    success_url = reverse_lazy("password_change")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password has been changed."))
        return response


@login_required
def two_factor_settings(request):
    """Show two-factor sign-in: turned on, or the QR code to turn it on with a first code."""
    user = request.user
    if not user.may_use_two_factor:
        raise PermissionDenied
    device = two_factor.confirmed_device(user)
    if device is not None:
        return render(request, "registration/two_factor.html", {
            "device": device, "disable_form": DisableTwoFactorForm(user, device)})
    device = two_factor.unconfirmed_device(user)
    form = CodeForm(device, request.POST or None)
    if request.method == "POST" and form.is_valid():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        otp_login(request, device)
        messages.success(request, _(
            "Two-factor sign-in is on: from now on, sign-in asks for a code from your app."))
        return redirect("two_factor")
    return render(request, "registration/two_factor.html", {
        "form": form, "qr_code": two_factor.qr_code(device), "secret": two_factor.secret(device),
    })


@login_required
@require_POST
def two_factor_disable(request):
    """Turn two-factor sign-in off, given a current code or the password."""
    user = request.user
    device = two_factor.confirmed_device(user) if user.may_use_two_factor else None
    if device is None:
        return redirect("two_factor")
    form = DisableTwoFactorForm(user, device, request.POST)
    if not form.is_valid():
        return render(request, "registration/two_factor.html",
                      {"device": device, "disable_form": form}, status=400)
    TOTPDevice.objects.filter(user=user).delete()
    messages.success(request, _("Two-factor sign-in is off."))
    return redirect("two_factor")


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

