from django.db import migrations, models


def documented(apps, schema_editor):
    # Before imported outcomes, every outcome in the facts was a complete encounter's.
    apps.get_model("analytics", "CallFact").objects.filter(complete=1).update(
        outcome_source="encounter", outcome_covers="*"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0002_call_fact_precision"),
    ]

    operations = [
        migrations.AddField(
            model_name="callfact",
            name="outcome_source",
            field=models.CharField(default="", max_length=12),
        ),
        migrations.AddField(
            model_name="callfact",
            name="outcome_covers",
            field=models.CharField(default="", max_length=200),
        ),
        migrations.RunPython(documented, migrations.RunPython.noop),
    ]
