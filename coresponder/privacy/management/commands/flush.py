"""Django's flush, able to empty the append-only audit table on PostgreSQL.

The audit table's triggers refuse UPDATE, DELETE and TRUNCATE. Ordinary triggers
do not fire while session_replication_role is `replica`, which only a superuser
may set: so the test suite and a database owner can flush, while the
application's own (non-superuser) role cannot.
"""

from django.core.management.commands.flush import Command as DjangoFlush
from django.db import connections


class Command(DjangoFlush):
    def handle(self, **options):
        connection = connections[options["database"]]
        if connection.vendor != "postgresql":
            return super().handle(**options)
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
        try:
            return super().handle(**options)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")
