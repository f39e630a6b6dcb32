"""Argument types shared by Tenure's management commands."""

from __future__ import annotations

import argparse
from datetime import date

from django.utils.translation import gettext as _


def iso_date(text: str) -> date:
    """Parse a YYYY-MM-DD date, or tell argparse (exit status 2) what is wrong."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("'%s' is not a date (YYYY-MM-DD)") % text) from None
