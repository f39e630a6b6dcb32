"""Bring the role groups of an existing database up to the changed grants.

The analyst and the marketer no longer import, and no role may edit or delete
consent history. ``sync_roles`` also runs after every ``migrate`` (post_migrate);
this migration makes the change of grants a step of the database's history, so
it is applied, and seen in ``showmigrations``, wherever the migrations run.
"""

from django.db import migrations


def resync(apps, schema_editor):
    from tenure.crm.accounts.roles import sync_roles

    sync_roles(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_user_manager"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(resync, migrations.RunPython.noop)]
