"""Two corrections of one record made from the same revision: the second waits for the
first's row lock, then is refused, never merged over it.

Real concurrent connections on PostgreSQL: the main thread edits the person and holds the
transaction open; a second thread's edit must queue behind that row lock and, once it is
released, see the new revision. An edit that compared revisions on an unlocked copy would
go through and overwrite the first without its editor ever seeing it.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from coresponder.core.exceptions import Conflict
from coresponder.core.models import AuditEntry
from coresponder.people import actions as people
from coresponder.people import events
from coresponder.people.models import Person, PersonChange
from coresponder.testing.row_locks import WAIT_SECONDS, wait_until_queued

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_second_edit_from_the_same_revision_waits_then_is_refused(crew, person):
    if connection.vendor != "postgresql":
        pytest.skip("row locks that make a writer wait are PostgreSQL's; SQLite locks the file")
    done, refused = [], []

    def second_editor():
        try:
            people.edit_person(
                Person.objects.get(pk=person.pk),
                people.PersonEdit(revision=1, fields={"pronouns": "he/him"}),
                acting_user=crew["officer"],
            )
            done.append(True)
        except Conflict as refusal:
            refused.append(refusal.message)
        finally:
            connection.close()

    # given the first editor's correction, not yet committed
    writer = threading.Thread(target=second_editor)
    with transaction.atomic():
        people.edit_person(
            person,
            people.PersonEdit(revision=1, fields={"pronouns": "she/her"}),
            acting_user=crew["dispatcher"],
        )
        # when the second editor saves from the same revision meanwhile
        writer.start()
        wait_until_queued(writer, "the second edit")
    writer.join(timeout=WAIT_SECONDS)

    # then it is refused, and the first correction is the record's, once
    assert done == []
    assert refused == [
        "Someone changed this record after you opened it (revision 2, you opened 1). "
        "Open it again and make your change there."
    ]
    person.refresh_from_db()
    assert (person.pronouns, person.revision) == ("she/her", 2)
    assert list(PersonChange.objects.values_list("after", flat=True)) == ["she/her"]
    assert AuditEntry.objects.filter(action=events.PERSON_EDITED).count() == 1
