"""The template filters of ``lib/formatting.py``, one per function, in every template.

Registered as a built-in library (``settings.TEMPLATES``), so a template writes
``{{ order.total|money:order.currency }}`` or ``{{ run.as_of|day }}`` without loading it.
"""

from __future__ import annotations

from django import template

from . import formatting

register = template.Library()

for _name in ("number", "percent", "money", "estimate", "day", "moment", "clock"):
    register.filter(_name, formatting.__dict__[_name])
