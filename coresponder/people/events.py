"""Audit events of the person index. Each function writes exactly one entry."""

from __future__ import annotations

from coresponder.privacy.audit import Actor, record

PERSON_REGISTERED = "people.person_registered"
PERSON_UPDATED = "people.person_updated"
NOTE_ADDED = "people.note_added"


def person_registered(*, person, actor: Actor, fields: list[str], request=None) -> None:
    record(
        PERSON_REGISTERED,
        actor=actor,
        object_type="person",
        object_id=person.pk,
        fields=fields,
        request=request,
    )


def person_updated(*, person, actor: Actor, fields: list[str], request=None) -> None:
    record(
        PERSON_UPDATED,
        actor=actor,
        object_type="person",
        object_id=person.pk,
        fields=fields,
        request=request,
    )


def note_added(*, note, actor: Actor, request=None) -> None:
    record(
        NOTE_ADDED,
        actor=actor,
        object_type="person",
        object_id=note.person_id,
        fields=[f"note:{note.data_class}"],
        request=request,
        detail={"note": str(note.pk)},
    )
