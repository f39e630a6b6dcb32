"""Email templates addressed by name, rendered in the recipient's language.

A template named ``complaint_resolved`` is three files under
``templates/email/complaint_resolved/``: ``subject.txt``, ``body.txt`` and,
optionally, ``body.html``. Their words are translated like the app's pages.
"""

from __future__ import annotations

from django.conf import settings
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import translation


def render_email(name: str, context: dict, language: str) -> tuple[str, str, str]:
    """Return the subject, plain text and HTML (empty when none) of email ``name``."""
    context = {"base_url": settings.TENURE_BASE_URL, **context}
    with translation.override(language):
        subject = render_to_string(f"email/{name}/subject.txt", context)
        text = render_to_string(f"email/{name}/body.txt", context)
        try:
            html = render_to_string(f"email/{name}/body.html", context)
        except TemplateDoesNotExist:
            html = ""
    # A header must be one line.
    return " ".join(subject.split()), text.strip() + "\n", html
