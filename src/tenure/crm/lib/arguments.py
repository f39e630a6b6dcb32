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


def positive_int(text: str) -> int:
    """Parse a whole number above zero, or tell argparse (exit status 2) what is wrong."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(_("'%s' is not a whole number above zero") % text)
    return value


def positive_seconds(text: str) -> float:
    """Parse a number of seconds above zero, or tell argparse (exit status 2)."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(_("'%s' is not a number of seconds above zero") % text)
    return value
