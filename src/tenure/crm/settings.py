"""Django settings for Tenure, read from ``TENURE_*`` environment variables.

A ``.env`` file in the working directory is read first when present. Every
setting has a safe default, so ``tenure migrate`` works on a fresh checkout.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from dotenv import load_dotenv

load_dotenv(Path.cwd() / ".env")

PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("TENURE_VAR_DIR", Path.cwd() / "var"))


def _flag(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int, minimum: int = 0, maximum: int = 1_000_000) -> int:
    text = os.environ.get(name, "").strip()
    try:
        value = int(text) if text else default
    except ValueError:
        value = minimum - 1
    # Bounded, so that no setting can overflow the date arithmetic it feeds.
    if not minimum <= value <= maximum:
        raise ImproperlyConfigured(
            f"{name} must be a whole number from {minimum} to {maximum}, not {text!r}")
    return value


def _list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    if key := os.environ.get("TENURE_SECRET_KEY", "").strip():
        return key
    # A file keeps the key out of the environment of every process (`make demo` writes one).
    if path := os.environ.get("TENURE_SECRET_KEY_FILE", "").strip():
        try:
            return Path(path).read_text().strip()
        except OSError as error:
            raise ImproperlyConfigured(f"TENURE_SECRET_KEY_FILE cannot be read: {error}") from None
    return ""


DEBUG = _flag("TENURE_DEBUG")
SECRET_KEY = _secret_key()
# Without a key, commands that serve no one (migrate, import, demo-data) still work on a
# workstation, on a public key; the web server refuses it unless DEBUG is on, and
# `tenure check --deploy` names it (tenure.crm.deployment).
TENURE_SECRET_KEY_MISSING = not SECRET_KEY
if TENURE_SECRET_KEY_MISSING:
    SECRET_KEY = "tenure-insecure-local-key-set-TENURE_SECRET_KEY-in-production"
ALLOWED_HOSTS = _list("TENURE_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")

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
    "tenure.crm.campaigns",
    "tenure.crm.loyalty",
    "auditlog",
    # The Admin site sends sign-in to Tenure's own page, which asks for the second factor.
    "tenure.crm.accounts.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # After authentication: the audit log records the signed-in user as the actor.
    "auditlog.middleware.AuditlogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "tenure.crm.accounts.middleware.TwoFactorMiddleware",
    "tenure.crm.accounts.middleware.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so that it turns a sign-in refused for too many failures into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tenure.crm.urls"
WSGI_APPLICATION = "tenure.crm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # One way to write figures and moments: {{ x|money }}, {{ d|day }}... anywhere.
            "builtins": ["tenure.crm.lib.format_tags"],
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
    # WAL lets the web app read while an import or the worker writes. Pages are read
    # through a memory map, shared by the processes, rather than copied into each
    # connection's page cache (2 MB by default, a tenth of 100,000 customers): a search
    # that finds 10,000 of them reads their rows a third faster (``bench/pages.py``).
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                        "PRAGMA mmap_size=268435456;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out user or address before any password is checked.
    "tenure.crm.accounts.backends.ThrottledBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": _int("TENURE_PASSWORD_MIN_LENGTH", 10, minimum=1)},
    },
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sign-in throttling (django-axes): a user name, or an address, that fails this many times
# is refused for the cool-off time, even with the right password; every failure meanwhile
# starts the cool-off again. Administrators unlock with `tenure axes_reset_username NAME`,
# `tenure axes_reset_ip ADDRESS`, `tenure axes_reset`, or under Admin > Access attempts.
AXES_FAILURE_LIMIT = _int("TENURE_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=_int("TENURE_LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_CALLABLE = "tenure.crm.accounts.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "tenure.crm.accounts.backends.client_address"
# How many proxies of ours stand before the app (1 behind nginx): the client's address is
# the one the farthest of them added to X-Forwarded-For; 0 trusts no such header.
TENURE_PROXY_COUNT = _int("TENURE_PROXY_COUNT", 0)

# Two-factor sign-in (django-otp), which administrators may turn on for themselves.
OTP_TOTP_ISSUER = os.environ.get("TENURE_OTP_ISSUER", "Tenure")
# Admin never shows a user's secret or its QR code: only its owner sees it, once, on enrolment.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# A session lasts this long after sign-in, and ends sooner after this long without a request.
SESSION_COOKIE_AGE = _int("TENURE_SESSION_HOURS", 12, minimum=1) * 3600
TENURE_SESSION_IDLE_SECONDS = _int("TENURE_SESSION_IDLE_MINUTES", 60) * 60

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
# The demo shop's truth (`tenure demo-data --truth`): the Models page sets the scores
# against it when the file can be read.
TENURE_DEMO_TRUTH = Path(os.environ.get("TENURE_DEMO_TRUTH", "").strip()
                         or VAR_DIR / "demo-truth.csv")

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
# SMS over SMPP: smpp://system_id:password@host:port (smpps:// for TLS); the sender's name or
# number goes in TENURE_SMS_FROM. Unset, SMS messages wait in the outbox.
SMPP_URL = os.environ.get("TENURE_SMPP_URL", "").strip()
SMS_FROM = os.environ.get("TENURE_SMS_FROM", "Tenure")
# Telegram through the Bot API: the bot's token; its user name builds the /start links; the
# API's address only changes for a local Bot API server (or a test's).
TELEGRAM_TOKEN = os.environ.get("TENURE_TELEGRAM_TOKEN", "").strip()
TELEGRAM_BOT_NAME = os.environ.get("TENURE_TELEGRAM_BOT_NAME", "").strip().lstrip("@")
TELEGRAM_BASE_URL = os.environ.get("TENURE_TELEGRAM_BASE_URL",
                                   "https://api.telegram.org/bot").strip()
# Rules for marketing messages (service messages skip them): none is sent in the recipient's
# quiet hours (local time, "21:00-09:00"; empty for none), nor more than CAP in CAP_DAYS days
# across all channels. Held messages wait in the outbox; none is dropped.
TENURE_QUIET_HOURS = os.environ.get("TENURE_QUIET_HOURS", "21:00-09:00").strip()
TENURE_MARKETING_CAP = _int("TENURE_MARKETING_CAP", 2, minimum=1, maximum=1000)
TENURE_MARKETING_CAP_DAYS = _int("TENURE_MARKETING_CAP_DAYS", 7, minimum=1, maximum=365)
# The address customers reach the app at: survey links and reminders point here.
TENURE_BASE_URL = os.environ.get("TENURE_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# The share of customers no marketing ever reaches (DESIGN.md, "Control groups"): the
# campaigns' long-run effect is measured against them. 0 (none) unless set, e.g. 0.05.
TENURE_GLOBAL_CONTROL = float(os.environ.get("TENURE_GLOBAL_CONTROL", "0") or 0)

# Behind a TLS proxy (README, "Running in production"): secure cookies, HSTS, a redirect of
# plain HTTP, and the proxy's X-Forwarded-Proto trusted, so that CSRF sees the https origin.
TENURE_HTTPS = _flag("TENURE_HTTPS")
if TENURE_HTTPS:
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    # Only safe because the proxy overwrites the header on every request it passes on.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = _int("TENURE_HSTS_SECONDS", 31_536_000, maximum=10**9)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _flag("TENURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = _flag("TENURE_HSTS_PRELOAD")
# Preloading is a promise made to the browser makers for a whole domain, for the operator to
# make (TENURE_HSTS_PRELOAD=1), not a default; Django warns of it all the same.
SILENCED_SYSTEM_CHECKS = [] if _flag("TENURE_HSTS_PRELOAD") else ["security.W021"]
# Origins other than the requested host that may post forms: "https://crm.example.com,...".
CSRF_TRUSTED_ORIGINS = _list("TENURE_CSRF_TRUSTED_ORIGINS")

# Every page's scripts and styles come from our own static files; the inline style attributes
# that size bars and ECharts' tooltips are the one exception.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

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

# -- Imports: limits on uploaded files, and how long their files are kept ----------------------
# Checked before a file is unpacked or parsed (a workbook's zip directory, a Parquet footer, a
# CSV's size) and while its rows are read, so a small file that unpacks to gigabytes is refused
# at once. TENURE_IMPORT_MAX_MB: data after unpacking (a CSV's own size); TENURE_IMPORT_MAX_RATIO:
# how many times larger than stored a part of a workbook may unpack (real sheets: about 5-20).
TENURE_IMPORT_MAX_MB = _int("TENURE_IMPORT_MAX_MB", 500, minimum=1, maximum=100_000)
TENURE_IMPORT_MAX_ROWS = _int("TENURE_IMPORT_MAX_ROWS", 2_000_000, minimum=1,
                              maximum=1_000_000_000)
TENURE_IMPORT_MAX_COLUMNS = _int("TENURE_IMPORT_MAX_COLUMNS", 200, minimum=1, maximum=10_000)
TENURE_IMPORT_MAX_RATIO = _int("TENURE_IMPORT_MAX_RATIO", 100, minimum=1, maximum=10_000)
# An upload never imported is removed after this many hours (an imported one at once); a
# rejects file after this many days. `tenure worker` removes them every hour.
TENURE_IMPORT_UPLOAD_HOURS = _int("TENURE_IMPORT_UPLOAD_HOURS", 24, minimum=1, maximum=24 * 365)
TENURE_REJECTS_DAYS = _int("TENURE_REJECTS_DAYS", 30, minimum=1, maximum=3650)

# -- How long logs about people are kept ---------------------------------------------------------
# Sign-in attempts (user name, address, browser) and the audit log of who viewed, exported or
# changed personal data; `tenure worker` removes older entries once a day.
TENURE_SIGNIN_LOG_DAYS = _int("TENURE_SIGNIN_LOG_DAYS", 90, minimum=1, maximum=3650)
TENURE_AUDIT_LOG_DAYS = _int("TENURE_AUDIT_LOG_DAYS", 730, minimum=1, maximum=3650)
