"""Folded search columns on the customer, filled for the existing rows, and their indexes.

``search_text`` holds name, email, city and notes case- and accent-folded in Python
(``lib/search.py``), ``phone_digits`` the digits of the phone: both engines then
compare plain substrings. On PostgreSQL a GIN trigram index serves ``LIKE '%...%'``
on each; it replaces the trigram indexes on ``UPPER(name)`` and ``UPPER(email)``
that the old case-insensitive search used. SQLite scans, which at 100,000
customers stays within the page budget (``bench/pages.py``).
"""

from django.db import migrations, models

from tenure.crm.lib.search import digits, fold

BATCH = 2000
TRIGRAM = {"customer_search_text_trgm_idx": "search_text",
           "customer_phone_digits_trgm_idx": "phone_digits"}
# Made by 0003 for the old search; nothing reads them any more.
OLD_TRIGRAM = {"customer_name_trgm_idx": "UPPER(name::text)",
               "customer_email_trgm_idx": "UPPER(email::text)"}


def fill(apps, schema_editor):
    """Fill the columns of every customer, a batch of primary keys at a time."""
    customers = apps.get_model("customers", "Customer").objects.using(
        schema_editor.connection.alias).order_by("pk")
    last = 0
    while True:
        batch = list(customers.filter(pk__gt=last).only(
            "pk", "name", "email", "city", "notes", "phone")[:BATCH])
        if not batch:
            return
        for customer in batch:
            # As Customer.search_columns of this version folds them, one field a line.
            customer.search_text = "\n".join(fold(value) for value in (
                customer.name, customer.email, customer.city, customer.notes))
            customer.phone_digits = digits(customer.phone)
        customers.model.objects.using(schema_editor.connection.alias).bulk_update(
            batch, ["search_text", "phone_digits"])
        last = batch[-1].pk


def create_trigram(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for index in OLD_TRIGRAM:
        schema_editor.execute(f"DROP INDEX IF EXISTS {index}")
    for index, column in TRIGRAM.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {index} ON customers_customer "
                              f"USING gin ({column} gin_trgm_ops)")


def drop_trigram(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index in TRIGRAM:
        schema_editor.execute(f"DROP INDEX IF EXISTS {index}")
    for index, expression in OLD_TRIGRAM.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {index} ON customers_customer "
                              f"USING gin ({expression} gin_trgm_ops)")


class Migration(migrations.Migration):
    dependencies = [("customers", "0007_consent_source_erasure")]
    operations = [
        migrations.AddField(
            model_name="customer", name="search_text",
            field=models.TextField(blank=True, editable=False, verbose_name="search text"),
        ),
        migrations.AddField(
            model_name="customer", name="phone_digits",
            field=models.CharField(blank=True, editable=False, max_length=20,
                                   verbose_name="phone digits"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(create_trigram, drop_trigram),
    ]
