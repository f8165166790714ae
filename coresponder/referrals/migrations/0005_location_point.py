"""A two-dimensional index on the locations' coordinates, on PostgreSQL.

The b-tree `location_place` answers a box by reading the whole band of latitude across the
directory and filtering longitude in it; with 200,000 locations a 10 km box read some
14,000 entries for 1,100, and the planner, expecting many rows, joined the service links
by scanning all of them. A GiST index on the point reads the box alone. SQLite has no such
index and keeps the b-tree, which is fast enough in process (bench/README.md, matching.py).
"""

from django.db import migrations

CREATE = (
    "CREATE INDEX location_point ON referrals_location "
    "USING gist (point(longitude::float8, latitude::float8))"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS location_point")


class Migration(migrations.Migration):
    dependencies = [("referrals", "0004_referral_settings")]

    operations = [migrations.RunPython(create, drop)]
