"""Trigram indexes behind the customer search on PostgreSQL.

The customer list searches names and emails by substring (``icontains``, which
PostgreSQL runs as ``UPPER(col::text) LIKE UPPER('%...%')``). A B-tree cannot
serve a leading wildcard; a GIN trigram index on the same expression can.
SQLite has no such index and scans, which is fast enough at its sizes. The
search's third branch, an exact external id, gets a plain index so that
PostgreSQL can OR the three index scans together instead of scanning the table.
"""

from django.db import migrations, models

COLUMNS = {"customer_name_trgm_idx": "name", "customer_email_trgm_idx": "email"}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for index, column in COLUMNS.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {index} ON customers_customer "
            f"USING gin (UPPER({column}::text) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS {index}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_customermerge_undone_by")]
    operations = [
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["external_id"], name="customer_external_id_idx"),
        ),
        migrations.RunPython(create, drop),
    ]
