from django.db import migrations, models
from django.db.models import F


def one_day_each(apps, schema_editor):
    # Every call stored before precision was known to the minute: its span is its day.
    apps.get_model("analytics", "CallFact").objects.update(day_end=F("day") + 1)


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="callfact",
            name="day_end",
            field=models.IntegerField(null=True),
        ),
        migrations.RunPython(one_day_each, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="callfact",
            name="day_end",
            field=models.IntegerField(),
        ),
        migrations.AlterField(
            model_name="callfact",
            name="week",
            field=models.IntegerField(null=True),
        ),
        migrations.AlterField(
            model_name="callfact",
            name="month",
            field=models.IntegerField(null=True),
        ),
        migrations.AlterField(
            model_name="callfact",
            name="hour_of_week",
            field=models.SmallIntegerField(null=True),
        ),
    ]
