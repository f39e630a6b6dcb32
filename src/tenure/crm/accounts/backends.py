"""Sign-in throttling: the authentication backend that refuses locked-out users and addresses."""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend
from django.conf import settings


class ThrottledBackend(AxesStandaloneBackend):
    """Refuse a sign-in while django-axes has locked out the user name or the address.

    A web sign-in always has its request; a call without one (a script, the test client's
    ``login()``) is no attempt from an address, so it is left to the next backend.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def client_address(request) -> str | None:
    """Return the address of the person signing in, seen through ``TENURE_PROXY_COUNT`` proxies.

    Each proxy appends the address it was reached from to X-Forwarded-For; only the entries
    our own proxies appended can be trusted, so read that many from the right.
    """
    proxies = settings.TENURE_PROXY_COUNT
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [a for a in forwarded if a]
    if proxies > 0 and forwarded:
        return forwarded[-min(proxies, len(forwarded))]
    return request.META.get("REMOTE_ADDR")
