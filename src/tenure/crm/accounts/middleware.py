"""Middleware that ends sessions: unverified second factor, session lifetime, idleness."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.utils.translation import gettext as _

from . import two_factor

SIGNED_IN_AT = "tenure_signed_in_at"
SEEN_AT = "tenure_seen_at"
# The last-seen time is written at most this often, so that reading pages does not write
# the session on every request.
SEEN_EVERY = 60


def stamp_sign_in(sender, request, user, **kwargs) -> None:
    """Note when the session began (connected to ``user_logged_in``)."""
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[SIGNED_IN_AT] = request.session[SEEN_AT] = now


class TwoFactorMiddleware:
    """Sign out an administrator whose session has not given the code of their authenticator.

    Tenure's sign-in asks for the code; this catches every other way in: the Admin site's own
    login form, a session opened before two-factor was turned on.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        # Only administrators may enrol, so only their requests pay for the query.
        if (user.is_authenticated and user.may_use_two_factor and not user.is_verified()
                and two_factor.confirmed_device(user) is not None):
            logout(request)
            return redirect_to_login(request.get_full_path())
        return self.get_response(request)


class SessionTimeoutMiddleware:
    """End a session ``TENURE_SESSION_HOURS`` after sign-in, or sooner after
    ``TENURE_SESSION_IDLE_MINUTES`` without a request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            if reason := self.expired(request.session):
                logout(request)
                messages.info(request, reason)
                return redirect_to_login(request.get_full_path())
            self.seen(request.session)
        return self.get_response(request)

    def expired(self, session) -> str:
        """Return why the session has ended, or an empty string while it lasts."""
        now = time.time()
        signed_in_at = session.get(SIGNED_IN_AT, now)
        seen_at = session.get(SEEN_AT, now)
        if now - signed_in_at > settings.SESSION_COOKIE_AGE:
            return _("Your session has ended. Sign in again.")
        idle = settings.TENURE_SESSION_IDLE_SECONDS
        if idle and now - seen_at > idle:
            return _("You were signed out after %(minutes)d minutes without activity.") % {
                "minutes": idle // 60}
        return ""

    def seen(self, session) -> None:
        now = time.time()
        session.setdefault(SIGNED_IN_AT, now)
        # A clock set back (or a test travelling in time) must not keep the session for ever.
        if not (0 <= now - session.get(SEEN_AT, 0) < SEEN_EVERY):
            session[SEEN_AT] = now
