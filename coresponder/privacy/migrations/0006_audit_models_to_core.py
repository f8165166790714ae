"""The audit log's models now belong to core (core 0001): privacy forgets them, state only.

No table is dropped or renamed. Their content types move with them, so the admin's history
and any permission granted on them keep pointing at the same rows.
"""

from django.db import migrations

MOVED = ["auditentry", "auditchainhead"]


def content_types_to_core(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not ContentType.objects.filter(app_label="core", model=model).exists():
            ContentType.objects.filter(app_label="privacy", model=model).update(app_label="core")


def content_types_to_privacy(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not ContentType.objects.filter(app_label="privacy", model=model).exists():
            ContentType.objects.filter(app_label="core", model=model).update(app_label="privacy")


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0005_audit_read_windows"),
        ("core", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="AuditChainHead"),
                migrations.DeleteModel(name="AuditEntry"),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_to_core, content_types_to_privacy, elidable=False),
    ]
