from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from coresponder.core.audit import Actor, record, verify_chain
from coresponder.core.models import AuditEntry, AuditLogIsAppendOnly

pytestmark = pytest.mark.django_db


def write_entries(count: int) -> list[AuditEntry]:
    return [
        record(
            "test.touched",
            actor=Actor.system("tester"),
            object_type="thing",
            object_id=number,
            fields=["name"],
            detail={"n": number},
        )
        for number in range(1, count + 1)
    ]


def raw(sql: str, params: list | None = None) -> None:
    """Tampers as someone with direct database access would, around the ORM's guard."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Only a superuser may do this; the application's role cannot.
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params or [])


def test_an_untouched_chain_verifies():
    # given
    entries = write_entries(5)

    # when
    report = verify_chain()

    # then
    assert report.ok
    assert report.entries == 5
    assert report.last_hash == entries[-1].entry_hash
    assert [entry.prev_hash for entry in entries[1:]] == [e.entry_hash for e in entries[:-1]]


def test_a_changed_entry_is_caught():
    write_entries(5)

    raw("UPDATE privacy_auditentry SET actor_username = %s WHERE seq = 3", ["someone-else"])

    report = verify_chain()
    assert not report.ok
    assert report.first_bad_seq == 3
    assert report.problem == "entry #3 was changed after it was written"


def test_a_removed_entry_is_caught():
    write_entries(5)

    raw("DELETE FROM privacy_auditentry WHERE seq = 2")

    report = verify_chain()
    assert not report.ok
    assert report.first_bad_seq == 2
    assert report.problem == "entry #2 is missing (the next entry is #3)"


def test_entries_cut_from_the_end_are_caught():
    write_entries(5)

    raw("DELETE FROM privacy_auditentry WHERE seq >= 4")

    report = verify_chain()
    assert not report.ok
    assert report.first_bad_seq == 4


def test_an_inserted_entry_is_caught():
    # given a forged entry that even links correctly to the one before it
    entries = write_entries(3)
    forged = AuditEntry(
        seq=4,
        occurred_at=entries[-1].occurred_at,
        action="test.touched",
        actor_username="forger",
        prev_hash=entries[-1].entry_hash,
        fields=[],
        detail={},
    )
    forged.entry_hash = forged.compute_hash()

    # when it is written around the audit writer
    forged.save(force_insert=True)

    # then
    report = verify_chain()
    assert not report.ok
    assert report.first_bad_seq == 4
    assert report.problem == "entry #4 was added outside the audit writer"


def test_an_entry_inserted_in_the_middle_is_caught():
    write_entries(4)

    # Making room in the middle means renumbering the entries after it.
    raw("UPDATE privacy_auditentry SET seq = seq + 100 WHERE seq >= 3")
    raw("UPDATE privacy_auditentry SET seq = seq - 99 WHERE seq >= 103")
    raw(
        "INSERT INTO privacy_auditentry (seq, occurred_at, action, actor_username, actor_token,"
        " agency_name, roles, object_type, object_id, fields, detail, prev_hash, entry_hash)"
        " SELECT 3, occurred_at, action, 'forger', '', '', '', '', '', fields, detail,"
        " entry_hash, %s FROM privacy_auditentry WHERE seq = 2",
        ["f" * 64],
    )

    report = verify_chain()
    assert not report.ok
    assert report.first_bad_seq == 3


def test_the_orm_refuses_to_change_or_remove_entries():
    entry = write_entries(1)[0]

    with pytest.raises(AuditLogIsAppendOnly):
        entry.save()
    with pytest.raises(AuditLogIsAppendOnly):
        entry.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.filter(seq=entry.seq).update(action="x")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.all().delete()
    assert verify_chain().ok


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE privacy_auditentry SET action = 'x'",
        "DELETE FROM privacy_auditentry",
        "TRUNCATE privacy_auditentry",
    ],
)
def test_postgresql_refuses_to_change_entries_even_to_raw_sql(statement):
    if connection.vendor != "postgresql":
        pytest.skip("the database-level guard is PostgreSQL's; SQLite has the ORM guard")
    write_entries(2)

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)

    assert AuditEntry.objects.count() == 2
    assert verify_chain().ok


def test_verify_command_passes_then_names_the_first_bad_entry(capsys):
    write_entries(3)
    call_command("audit", "verify")
    assert "Audit chain intact: 3 entries" in capsys.readouterr().out

    raw("UPDATE privacy_auditentry SET object_id = '999' WHERE seq = 2")

    with pytest.raises(CommandError, match=r"broken at entry #2: entry #2 was changed"):
        call_command("audit", "verify")


def test_appends_from_many_writers_keep_one_unbroken_chain():
    # Each record() takes the head's row lock; sequence numbers never repeat or skip.
    for _ in range(3):
        with transaction.atomic():
            write_entries(4)
    seqs = list(AuditEntry.objects.values_list("seq", flat=True))
    assert seqs == list(range(1, 13))
    assert verify_chain().ok
