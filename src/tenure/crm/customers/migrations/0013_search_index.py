"""The trigram index of the search columns on SQLite (``customers/search_index.py``).

PostgreSQL has its trigram indexes since 0008; nothing changes there.
"""

from django.db import migrations

from tenure.crm.customers import search_index


def create(apps, schema_editor):
    search_index.create(schema_editor.connection)


def drop(apps, schema_editor):
    search_index.drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("customers", "0012_stats_sort_indexes")]
    operations = [migrations.RunPython(create, drop)]
