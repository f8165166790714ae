"""The audit log's models move here from privacy (issue #19): state only.

The tables keep their names (privacy_auditentry, privacy_auditchainhead) and their rows;
privacy 0001 made them and privacy 0002 put the append-only triggers on them, and nothing
in the database changes. privacy 0006 removes the models from privacy's state after this.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    # After the tables exist on a fresh database, and before privacy forgets them.
    dependencies = [("privacy", "0005_audit_read_windows")]

    state_operations = [
        migrations.CreateModel(
            name='AuditChainHead',
            fields=[
                ('id', models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ('last_seq', models.BigIntegerField(default=0)),
                ('last_hash', models.CharField(default='0000000000000000000000000000000000000000000000000000000000000000', max_length=64)),
            ],
            options={
                'db_table': 'privacy_auditchainhead',
                'constraints': [models.CheckConstraint(condition=models.Q(('id', 1)), name='audit_head_single')],
            },
        ),
        migrations.CreateModel(
            name='AuditEntry',
            fields=[
                ('seq', models.BigIntegerField(primary_key=True, serialize=False)),
                ('occurred_at', models.DateTimeField(db_index=True)),
                ('action', models.CharField(db_index=True, max_length=64, verbose_name='action')),
                ('actor_id', models.BigIntegerField(blank=True, db_index=True, null=True)),
                ('actor_username', models.CharField(blank=True, max_length=150)),
                ('actor_token', models.CharField(blank=True, max_length=16)),
                ('agency_id', models.BigIntegerField(blank=True, null=True)),
                ('agency_name', models.CharField(blank=True, max_length=200)),
                ('roles', models.CharField(blank=True, max_length=300)),
                ('object_type', models.CharField(blank=True, max_length=64)),
                ('object_id', models.CharField(blank=True, max_length=64)),
                ('fields', models.JSONField(blank=True, default=list)),
                ('detail', models.JSONField(blank=True, default=dict)),
                ('ip_address', models.GenericIPAddressField(blank=True, null=True)),
                ('prev_hash', models.CharField(max_length=64)),
                ('entry_hash', models.CharField(max_length=64, unique=True)),
            ],
            options={
                'verbose_name_plural': 'audit entries',
                'db_table': 'privacy_auditentry',
                'ordering': ['seq'],
                'indexes': [models.Index(fields=['object_type', 'object_id'], name='audit_object')],
            },
        ),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=state_operations, database_operations=[])
    ]
