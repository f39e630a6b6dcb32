"""Retention analytics: a pure library that knows nothing of Django.

Metrics, cohorts, segments and customer-value models over canonical transaction
tables (see DESIGN.md). The CRM reaches it only through ``tenure.crm.insights``.
"""
