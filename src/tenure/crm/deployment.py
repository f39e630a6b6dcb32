"""What a production instance must have before it serves anyone.

``tenure check --deploy`` reports it (with Django's own deployment checks); the WSGI
application and ``tenure runserver`` refuse to start without it.
"""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

MISSING_KEY = (
    "TENURE_SECRET_KEY is not set, so sessions, CSRF tokens and signed links would use "
    "Tenure's public fallback key. Set TENURE_SECRET_KEY (or TENURE_SECRET_KEY_FILE) to a "
    "long random value, for example the output of: "
    "python -c \"import secrets; print(secrets.token_urlsafe(50))\""
)


@checks.register(checks.Tags.security, deploy=True)
def check_secret_key(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Report the public fallback key."""
    if getattr(settings, "TENURE_SECRET_KEY_MISSING", False):
        return [checks.Error(MISSING_KEY, id="tenure.E001")]
    return []


def refuse_insecure_serving() -> None:
    """Raise unless this instance may serve requests: DEBUG, or a secret key of its own."""
    if getattr(settings, "TENURE_SECRET_KEY_MISSING", False) and not settings.DEBUG:
        raise ImproperlyConfigured(
            f"Tenure will not serve requests with DEBUG off on the public key. {MISSING_KEY}")
