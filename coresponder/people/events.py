"""Audit events of the person index. Each function writes exactly one entry."""

from __future__ import annotations

from coresponder.core.audit import Actor, record

PERSON_REGISTERED = "people.person_registered"
PERSON_UPDATED = "people.person_updated"
NOTE_ADDED = "people.note_added"
PERSON_EDITED = "people.person_edited"


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


def person_edited(*, person, actor: Actor, fields: list[str], revision: int, request=None) -> None:
    """Names each value changed with its class; the values before and after are kept in
    the person's history (`PersonChange`), read through the gate, since the audit chain is
    never purged and is read by those who may not see every class."""
    record(
        PERSON_EDITED,
        actor=actor,
        object_type="person",
        object_id=person.pk,
        fields=fields,
        request=request,
        detail={"revision": revision},
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


LINKAGE_MODEL_TRAINED = "people.linkage_model_trained"


def linkage_model_trained(*, model, actor: Actor) -> None:
    """The model was learned from the program's persons: which version, from how many."""
    record(
        LINKAGE_MODEL_TRAINED,
        actor=actor,
        object_type="linkage_model",
        object_id=model.pk,
        fields=[],
        detail={"version": model.version, "persons": model.persons},
    )
