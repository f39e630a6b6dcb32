"""Django settings for Tenure, read from ``TENURE_*`` environment variables.

A ``.env`` file in the working directory is read first when present. Every
setting has a safe default, so ``tenure migrate`` works on a fresh checkout.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from django.utils.translation import gettext_lazy as _
from dotenv import load_dotenv

load_dotenv(Path.cwd() / ".env")

PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("TENURE_VAR_DIR", Path.cwd() / "var"))


def _flag(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _flag("TENURE_DEBUG")
SECRET_KEY = os.environ.get("TENURE_SECRET_KEY", "")
if not SECRET_KEY:
    # Only a local instance may run on an unset key: it is derived from nothing secret.
    SECRET_KEY = "tenure-insecure-local-key-set-TENURE_SECRET_KEY-in-production"
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("TENURE_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "tenure.crm.accounts",
    "tenure.crm.customers",
    "tenure.crm.catalog",
    "tenure.crm.sales",
    "tenure.crm.imports",
    "tenure.crm.insights",
    "tenure.crm.engagement",
    "tenure.crm.feedback",
    "tenure.crm.messaging",
    "tenure.crm.jobs",
    "tenure.crm.demo",
    "tenure.crm.privacy",
    "auditlog",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: the audit log records the signed-in user as the actor.
    "auditlog.middleware.AuditlogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "tenure.crm.urls"
WSGI_APPLICATION = "tenure.crm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "tenure.crm.messaging.context_processors.unread_notifications",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("TENURE_DATABASE_URL", f"sqlite:///{VAR_DIR / 'tenure.sqlite3'}"),
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if DATABASES["default"]["NAME"] not in ("", ":memory:"):
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the web app read while an import or the worker writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = os.environ.get("TENURE_LANGUAGE", "en")
LANGUAGES = [("en", _("English")), ("ru", _("Russian")), ("uk", _("Ukrainian"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = os.environ.get("TENURE_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "static/"
# WhiteNoise serves the app folders directly; set this only to run collectstatic.
STATIC_ROOT = os.environ.get("TENURE_STATIC_ROOT") or None
# The project package is not an app, so its own static folder is listed here.
STATICFILES_DIRS = [
    PACKAGE_DIR / "static",
    # Chart library shared with the analytics report: {% static 'vendor/echarts/echarts.min.js' %}
    ("vendor", PACKAGE_DIR.parent / "analytics" / "assets" / "vendor"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve straight from the app folders: no collectstatic step in `make demo`.
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"

EMAIL_URL = os.environ.get("TENURE_EMAIL_URL", "")
if EMAIL_URL.startswith("file://"):
    # One file per batch of messages in that folder: the demo's "mail server".
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = EMAIL_URL.removeprefix("file://")
elif EMAIL_URL:
    # smtp://user:password@host:port?tls=1 (STARTTLS), or smtps://... for TLS from the start.
    _email = urlsplit(EMAIL_URL)
    _options = parse_qs(_email.query)
    # Django's SMTP backend, with the hand-over hook that lets the worker send exactly once.
    EMAIL_BACKEND = "tenure.crm.messaging.smtp.EmailBackend"
    EMAIL_USE_SSL = _email.scheme == "smtps"
    EMAIL_USE_TLS = _options.get("tls", ["0"])[0] in {"1", "true", "yes"}
    EMAIL_HOST = _email.hostname or "localhost"
    EMAIL_PORT = _email.port or (465 if EMAIL_USE_SSL else 25)
    EMAIL_HOST_USER = unquote(_email.username or "")
    EMAIL_HOST_PASSWORD = unquote(_email.password or "")
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# A mail server that stops answering must not stall the worker for ever.
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = os.environ.get("TENURE_FROM_EMAIL", "tenure@localhost")
# The address customers reach the app at: survey links and reminders point here.
TENURE_BASE_URL = os.environ.get("TENURE_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# The currency a shop keeps its books in; every amount stores its own currency too.
TENURE_CURRENCY = os.environ.get("TENURE_CURRENCY", "USD")
# Country whose numbering plan applies to phone numbers written without "+".
TENURE_PHONE_REGION = os.environ.get("TENURE_PHONE_REGION", "UA")

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("TENURE_LOG_LEVEL", "WARNING")},
}
