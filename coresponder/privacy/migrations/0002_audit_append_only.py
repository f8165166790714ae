"""On PostgreSQL, the database itself refuses to change or remove audit entries.

Triggers bind every role, the application's included. A superuser can still set
session_replication_role = replica for maintenance (and the test suite's flush).
"""

from django.db import migrations

TABLE = "privacy_auditentry"

FORWARD = f"""
CREATE OR REPLACE FUNCTION privacy_audit_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER privacy_audit_no_update_delete
    BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION privacy_audit_refuse_change();

CREATE TRIGGER privacy_audit_no_truncate
    BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION privacy_audit_refuse_change();
"""

BACKWARD = f"""
DROP TRIGGER IF EXISTS privacy_audit_no_truncate ON {TABLE};
DROP TRIGGER IF EXISTS privacy_audit_no_update_delete ON {TABLE};
DROP FUNCTION IF EXISTS privacy_audit_refuse_change();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
