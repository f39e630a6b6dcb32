"""The complaint's description folded for search, filled for the existing rows.

As the customer's ``search_text`` (customers 0008): folded in Python (``lib/search.py``)
so that both engines compare plain substrings; SQLite's own LIKE folds Latin letters
only. A shop has thousands of complaints, not millions: no index.
"""

from django.db import migrations, models

from tenure.crm.lib.search import fold

BATCH = 2000


def fill(apps, schema_editor):
    """Fill the column of every complaint, a batch of primary keys at a time."""
    complaints = apps.get_model("engagement", "Complaint").objects.using(
        schema_editor.connection.alias).order_by("pk")
    last = 0
    while True:
        batch = list(complaints.filter(pk__gt=last).only("pk", "description")[:BATCH])
        if not batch:
            return
        for complaint in batch:
            complaint.search_text = fold(complaint.description)
        complaints.model.objects.using(schema_editor.connection.alias).bulk_update(
            batch, ["search_text"])
        last = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [("engagement", "0004_bounded_settings")]

    operations = [
        migrations.AddField(
            model_name="complaint", name="search_text",
            field=models.TextField(blank=True, editable=False, verbose_name="search text"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
