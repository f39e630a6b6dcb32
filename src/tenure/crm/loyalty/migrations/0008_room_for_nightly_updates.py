"""Half of each page of accounts and lots kept free on PostgreSQL (``fillfactor``).

The nightly run (``bulk.settle_due``) rewrites every account and lot of a batch once, in
one transaction: their balance, pending points and remaining points, none of them
indexed. With room on the page for a new version of each of its rows, PostgreSQL
writes it beside the old one and touches no index (a heap-only update); on full pages
each update moved the row to another page and wrote an entry in every index, half the
time of those statements. The tables take twice the pages. SQLite has no such setting.

Rows written before this migration keep their pages until the table is rewritten
(``VACUUM FULL``); new pages follow the setting.
"""

from django.db import migrations

TABLES = ("loyalty_account", "loyalty_lot")


def keep_room(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = 50)")


def fill(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"ALTER TABLE {table} RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0007_no_account_keys_in_batches")]
    operations = [migrations.RunPython(keep_room, fill)]
