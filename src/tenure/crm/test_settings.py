"""Settings for the test suite: SQLite by default, PostgreSQL when asked.

Set ``TENURE_TEST_DATABASE_URL`` (for example
``postgres://postgres@127.0.0.1:5432/test``) to run every test on PostgreSQL.
"""

import os
import tempfile

os.environ.setdefault("TENURE_VAR_DIR", tempfile.mkdtemp(prefix="tenure-test-"))

from .settings import *  # noqa: E402,F403
from .settings import DATABASES  # noqa: E402

if os.environ.get("TENURE_TEST_DATABASE_URL"):
    import dj_database_url

    DATABASES["default"] = dj_database_url.parse(os.environ["TENURE_TEST_DATABASE_URL"])

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory: the worker tests run `tenure worker` as a separate process.
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(os.environ["TENURE_VAR_DIR"], "test.sqlite3")
    }

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests travel in time between requests, hours and days at once: the session limits would sign
# their users out. test_sessions.py turns them on again to test them.
SESSION_COOKIE_AGE = 14 * 24 * 3600
TENURE_SESSION_IDLE_SECONDS = 0
