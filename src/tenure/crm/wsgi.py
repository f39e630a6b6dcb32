"""WSGI entry point for Tenure: ``gunicorn tenure.crm.wsgi`` (README, "Running in production")."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenure.crm.settings")
application = get_wsgi_application()

from tenure.crm.deployment import refuse_insecure_serving, warm_up  # noqa: E402  needs the settings

refuse_insecure_serving()
warm_up()
