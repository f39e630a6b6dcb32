"""The library's own exceptions: the CRM catches them at its boundary and records the failure."""

from __future__ import annotations


class AnalyticsError(Exception):
    """Base of every error the analytics library raises on purpose."""


class InputError(AnalyticsError, ValueError):
    """The input table cannot be used as given; the message says what to fix."""


class NotFittedError(AnalyticsError, AttributeError):
    """A model was asked for predictions or parameters before ``fit``."""


class ConvergenceWarning(UserWarning):
    """A fit stopped before it reached the optimum; its estimates deserve suspicion."""


class IdentificationWarning(UserWarning):
    """The data cannot pin down a parameter: its estimate or standard error is not usable."""
