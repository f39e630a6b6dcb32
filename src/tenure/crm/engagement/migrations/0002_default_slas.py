from django.db import migrations

HOURS = {"critical": 4, "high": 24, "medium": 72, "low": 120}


def add_defaults(apps, schema_editor):
    ComplaintSla = apps.get_model("engagement", "ComplaintSla")
    for severity, hours in HOURS.items():
        ComplaintSla.objects.get_or_create(
            severity=severity, defaults={"resolve_within_hours": hours}
        )


class Migration(migrations.Migration):
    dependencies = [("engagement", "0001_initial")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
