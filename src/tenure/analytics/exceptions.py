"""The library's own exceptions: the CRM catches them at its boundary and records the failure."""

from __future__ import annotations


class AnalyticsError(Exception):
    """Base of every error the analytics library raises on purpose."""


class InputError(AnalyticsError, ValueError):
    """The input table cannot be used as given; the message says what to fix."""
