"""Two-factor sign-in: a one-time code from an authenticator app after the password.

Administrators (the users who may open the Admin site) may turn it on for themselves. The
codes are TOTP (RFC 6238), checked and throttled by django-otp. Between the password and the
code the session holds only who is signing in, for a few minutes; the user is signed in when
the code is right.
"""

from __future__ import annotations

from base64 import b32encode
from datetime import timedelta

import segno
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django_otp.plugins.otp_totp.models import TOTPDevice

#: Session key of a sign-in that waits for its code.
PENDING = "tenure_pending_sign_in"
#: How long the code step waits after the right password.
PENDING_FOR = timedelta(minutes=5)


def confirmed_device(user) -> TOTPDevice | None:
    """Return the user's authenticator, once they have confirmed it with a code."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def unconfirmed_device(user) -> TOTPDevice:
    """Return the authenticator being set up, with a new secret the first time."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="Tenure", confirmed=False)


def secret(device: TOTPDevice) -> str:
    """Return the device's secret as people type it into an app (base32, in groups of four)."""
    text = b32encode(device.bin_key).decode()
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


def qr_code(device: TOTPDevice) -> SafeString:
    """Return the otpauth address as an inline SVG QR code, drawn here with no request out."""
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=5, light="#fff", title="otpauth", svgclass="qr-code",
    )
    # segno's own markup, from a URL we built: no user text reaches it unescaped.
    return mark_safe(svg)  # noqa: S308


def hold(session, user, next_url: str) -> None:
    """Keep a sign-in whose password was right until its code is given."""
    session[PENDING] = {
        "user": user.pk, "backend": user.backend, "next": next_url,
        "until": (timezone.now() + PENDING_FOR).timestamp(),
    }


def held(session):
    """Return the user waiting to give their code, or None once the wait has expired."""
    pending = session.get(PENDING)
    if not pending or pending["until"] < timezone.now().timestamp():
        return None
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    if user is not None:
        user.backend = pending["backend"]
    return user
