"""Forms of the sign-in's second step and of two-factor set-up."""

from __future__ import annotations

import math

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def _code_field(required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=_("Code"), required=required, max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text=_("The 6 digits your authenticator app shows now."),
    )


def _check_allowed(device) -> None:
    allowed, why = device.verify_is_allowed()
    if not allowed:
        wait = (why or {}).get("locked_until", timezone.now()) - timezone.now()
        raise ValidationError(
            _("Too many wrong attempts. Wait %(seconds)d seconds and try again."),
            code="throttled", params={"seconds": max(1, math.ceil(wait.total_seconds()))},
        )


class CodeForm(forms.Form):
    """A one-time code from the user's authenticator, checked (and throttled) by django-otp."""

    code = _code_field()

    def __init__(self, device, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        _check_allowed(self.device)
        if not self.device.verify_token(code):
            raise ValidationError(
                _("That code is not right. Enter the code your app shows now."), code="wrong")
        return code


class DisableTwoFactorForm(forms.Form):
    """Turning two-factor off asks for a current code or the password, whichever is at hand."""

    code = _code_field(required=False)
    password = forms.CharField(
        label=_("Or your password"), required=False, strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user, device, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.device = device

    def clean(self):
        code = "".join(self.cleaned_data.get("code", "").split())
        password = self.cleaned_data.get("password", "")
        _check_allowed(self.device)
        if password and self.user.check_password(password):
            return self.cleaned_data
        if code and self.device.verify_token(code):
            return self.cleaned_data
        if password and not code:
            # A wrong password slows the next try down just as a wrong code does.
            self.device.throttle_increment()
        raise ValidationError(
            _("Enter the code your app shows now, or your password."), code="wrong")
