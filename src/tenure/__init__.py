"""Tenure: a customer-retention CRM and analytics library."""

__version__ = "0.1.0"
