"""What a production instance must have before it serves anyone.

``tenure check --deploy`` reports it (with Django's own deployment checks); the WSGI
application and ``tenure runserver`` refuse to start without it.
"""

from __future__ import annotations

from pathlib import Path

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


def warm_up() -> None:
    """Do at start what the first requests of every process would otherwise do: import
    the views through the URL map, build the map's reverse index and load the
    translations and number formats of each language, and compile Tenure's templates.

    Without it a freshly started worker answered its first customer page a second late.
    The views import no heavy library at import time (pandas, scipy, openpyxl load when a
    page needs them), so this costs a fraction of a second of the worker's start.
    """
    from babel.numbers import format_currency
    from django.urls import get_resolver
    from django.utils import translation

    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018  imports every view module
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            _index(resolver, "")
            # Babel reads a language's number and currency data once, as `money` needs it.
            format_currency(0, settings.TENURE_CURRENCY, locale=translation.to_locale(code))
    _compile_templates()


def _index(resolver, namespace: str) -> None:
    """Build the reverse index of ``namespace`` and of each namespace under it, in the
    active language (each language has its own, built by its first ``reverse``)."""
    from django.urls import NoReverseMatch, reverse

    try:
        reverse(f"{namespace}-")  # no URL has this name: the index is built to tell so
    except NoReverseMatch:
        pass
    for name, (_prefix, inner) in resolver.namespace_dict.items():
        _index(inner, f"{namespace}{name}:")


def _compile_templates() -> None:
    """Compile Tenure's own templates into the cached loader, as their pages would."""
    from django.template import TemplateSyntaxError, engines
    from django.template.loader import get_template
    from django.template.utils import get_app_template_dirs

    package = Path(__file__).resolve().parent
    folders = [*engines["django"].engine.dirs, *get_app_template_dirs("templates")]
    for folder in folders:
        folder = Path(folder)
        if not folder.is_relative_to(package):
            continue
        for path in sorted(folder.rglob("*.html")):
            try:
                get_template(path.relative_to(folder).as_posix())
            except TemplateSyntaxError:
                pass  # the page that renders it shows the error, as it would have
