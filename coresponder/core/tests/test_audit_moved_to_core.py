"""The audit log's models moved from privacy to core (issue 19) by state-only migrations:
a database made before the move keeps every entry, the chain still verifies, and the
content types (the admin's history, any permission) follow the models."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from coresponder.core.audit import Actor, record, verify_chain
from coresponder.core.models import AuditEntry

BEFORE_THE_MOVE = [("privacy", "0005_audit_read_windows"), ("core", None)]


def migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    ContentType.objects.clear_cache()
    return executor


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_database_from_before_the_move_keeps_its_chain():
    ContentType.objects.get_for_model(AuditEntry)  # the admin has made it by now
    # given a database taken back to before the move, and entries written there
    executor = migrate(BEFORE_THE_MOVE)
    old = executor.loader.project_state(BEFORE_THE_MOVE[0]).apps
    old_entries = old.get_model("privacy", "AuditEntry")
    assert ("privacy", "auditentry") in ContentType.objects.values_list("app_label", "model")
    for number in range(3):
        record("test.before_the_move", actor=Actor.system("tester"), object_id=number)
    written = old_entries.objects.count()
    assert written >= 3

    # when it is migrated forward
    migrate(executor.loader.graph.leaf_nodes())

    # then every entry is read through core's model, the chain is whole, and one more links on
    assert AuditEntry.objects.count() == written
    record("test.after_the_move", actor=Actor.system("tester"))
    report = verify_chain()
    assert report.ok, report.problem
    assert report.entries == written + 1
    labels = set(ContentType.objects.values_list("app_label", "model"))
    assert {("core", "auditentry"), ("core", "auditchainhead")} <= labels
    assert ("privacy", "auditentry") not in labels
