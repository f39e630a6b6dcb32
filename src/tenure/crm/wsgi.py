"""WSGI entry point for Tenure."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenure.crm.settings")
application = get_wsgi_application()
