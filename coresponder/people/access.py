"""Reading persons: the one way a person's information leaves the database.

Every page, API call and export that shows a person goes through `view_person`,
`view_persons` or `search_for`. Each builds a projection holding only the classes the
policy lets the user read (a class refused is absent, not blanked) and writes one audit
entry per person shown, naming the classes, the basis of each and what was disclosed
outside the holding agency.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import prefetch_related_objects
from django.utils.translation import gettext as _

from coresponder.core.exceptions import NotFound
from coresponder.core.languages import language_names
from coresponder.core.phone_numbers import phone_for_display
from coresponder.privacy import events as privacy_events
from coresponder.privacy import gate
from coresponder.privacy.access import allowed_for, readable_for_many
from coresponder.privacy.actions import close_expired_grants
from coresponder.privacy.classification import PART2_NOTICE, DataClass
from coresponder.privacy.policy import Action, Decision

from .matching import PersonQuery, search, strength
from .models import (
    IDENTIFIER_CLASSES,
    AddressKind,
    IdentifierSystem,
    NameKind,
    Person,
    PersonFlag,
    PersonName,
    Sex,
    VeteranStatus,
)

CHOICE_LABELS = {"sex": dict(Sex.choices), "veteran_status": dict(VeteranStatus.choices)}

CLASS_ORDER = [c.value for c in DataClass]


@dataclass
class Section:
    data_class: str
    label: str
    basis: str
    fields: list[tuple[str, str, Any]] = field(default_factory=list)  # name, label, value
    identifiers: list[dict] = field(default_factory=list)
    addresses: list[dict] = field(default_factory=list)
    notes: list[dict] = field(default_factory=list)
    notice: str = ""

    @property
    def display_fields(self) -> list[tuple[str, str, str]]:
        """Fields with a value, as words for a page; empty ones are left out."""
        shown = []
        for name, label, value in self.fields:
            text = _display(name, value)
            if text:
                shown.append((name, label, text))
        return shown

    def as_dict(self) -> dict:
        return {
            "basis": self.basis,
            "fields": {name: value for name, _label, value in self.fields},
            "identifiers": self.identifiers,
            "addresses": self.addresses,
            "notes": self.notes,
            **({"notice": self.notice} if self.notice else {}),
        }


@dataclass
class PersonView:
    """What one user may see of one person. Nothing outside `sections` is carried."""

    id: Any
    names: list[dict]
    sections: dict[str, Section]
    holder_agency_id: int
    revision: int = 1
    # Each change the reader may see, newest first: who, when, what it was and became.
    history: list[dict] = field(default_factory=list)

    @property
    def display_name(self) -> str:
        for name in self.names:
            if name["kind"] == "legal":
                return name["full"]
        return self.names[0]["full"] if self.names else _("(no name)")

    @property
    def ordered_sections(self) -> list[Section]:
        return [self.sections[name] for name in CLASS_ORDER if name in self.sections]

    def has(self, data_class: str) -> bool:
        return data_class in self.sections


def _display(name: str, value: Any) -> str:
    if name == "flags":
        return ", ".join(str(PersonFlag(flag).label) for flag in value if flag in PersonFlag.values)
    if name == "languages":
        return language_names(value)
    if name in CHOICE_LABELS:
        return str(CHOICE_LABELS[name].get(value, value))
    if name == "phone":
        return phone_for_display(value)
    if isinstance(value, bool):
        return str(_("yes")) if value else ""
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


# A person's own rows, read with the person: each projected by its own classes.
CHILDREN = {
    "names": lambda person: person.names.all(),
    "identifiers": lambda person: person.identifiers.all(),
    "addresses": lambda person: person.addresses.all(),
    "notes": lambda person: person.notes.all(),
    "changes": lambda person: person.changes.all(),
}

CHANGE_LABELS = {
    **{f"name:{kind.value}": kind.label for kind in NameKind},
    **{f"identifier:{system.value}": system.label for system in IdentifierSystem},
}


def _view(projection) -> PersonView:
    """A person's view, built from what the gate let through (never from the row)."""
    sections: dict[str, Section] = {}
    for data_class in CLASS_ORDER:
        if data_class not in projection.shown:
            continue
        section = Section(
            data_class, str(DataClass(data_class).label), projection.shown[data_class].basis
        )
        for name in projection.of_class(data_class):
            section.fields.append(
                (name, str(Person._meta.get_field(name).verbose_name), projection[name])
            )
        if data_class == DataClass.SUD_PART2:
            section.notice = str(PART2_NOTICE)
        sections[data_class] = section
    names = [
        {
            "kind": name["kind"],
            "given": name["given"],
            "middle": name["middle"],
            "family": name["family"],
            "full": " ".join(
                part for part in (name["given"], name["middle"], name["family"]) if part
            ),
        }
        for name in projection.extra["names"]
        if name.has("kind")
    ]
    for identifier in projection.extra["identifiers"]:
        if identifier.has("system"):
            system = IdentifierSystem(identifier["system"])
            sections[IDENTIFIER_CLASSES[system]].identifiers.append(
                {
                    "id": identifier.id,
                    "system": identifier["system"],
                    "system_label": str(system.label),
                    "issuer": identifier["issuer"],
                    "value": identifier["value"],
                }
            )
    for address in projection.extra["addresses"]:
        if address.has("line1"):
            sections[DataClass.CARE_COORDINATION].addresses.append(
                {
                    "kind": str(AddressKind(address["kind"]).label),
                    "line1": address["line1"],
                    "line2": address["line2"],
                    "city": address["city"],
                    "region": address["region"],
                    "postal_code": address["postal_code"],
                }
            )
    for note in projection.extra["notes"]:
        if note.has("body"):
            sections[note.shown_class].notes.append(
                {
                    "id": str(note.id),
                    "body": note["body"],
                    "written_at": note["created_at"],
                    "author": note["author"].full_name,
                    "agency": note["agency"].name,
                    "agency_id": note["agency"].pk,
                }
            )
    history = [
        {
            "revision": change["revision"],
            "field": change["field"],
            "label": _change_label(change["field"]),
            "data_class": change["data_class"],
            "before": _change_text(change["field"], change["before"]),
            "after": _change_text(change["field"], change["after"]),
            "by": change["changed_by"].full_name,
            "at": change["changed_at"],
        }
        for change in projection.extra["changes"]
        if change.has("after")
    ]
    return PersonView(
        id=projection.id,
        names=names,
        sections=sections,
        holder_agency_id=getattr(
            projection["registered_by_agency"], "pk", projection["registered_by_agency"]
        ),
        revision=projection["revision"],
        history=history,
    )


def _change_label(name: str) -> str:
    if name in CHANGE_LABELS:
        return str(CHANGE_LABELS[name])
    try:
        return str(Person._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def _change_text(name: str, text: str) -> str:
    """A stored value as words: flags and languages by their names, choices by label."""
    if name in ("flags", "languages") and text:
        return _display(name, text.split(", "))
    if name in CHOICE_LABELS:
        return _display(name, text)
    if name == "phone":
        return phone_for_display(text)
    return text


def _disclosed(person: Person, projection, reader_agency_id: int) -> set[str]:
    """Classes shown to someone outside the agency that holds that information."""
    disclosed = set()
    for data_class in projection.shown:
        holders = {
            note["agency"].pk
            for note in projection.extra["notes"]
            if note.has("body") and note.shown_class == data_class
        }
        if projection.of_class(data_class) or any(
            child.has("system") and child.shown_class == data_class
            for child in projection.extra["identifiers"]
        ):
            holders.add(person.registered_by_agency_id)
        if data_class == DataClass.CARE_COORDINATION and any(
            child.has("line1") for child in projection.extra["addresses"]
        ):
            holders.add(person.registered_by_agency_id)
        if holders - {reader_agency_id}:
            disclosed.add(data_class)
    return disclosed


def _read(user, persons, *, channel: str, request=None, classes=None):
    """The persons through the read gate: decided, projected, one audit entry per person
    shown (per reader and window), naming the classes, their basis and the disclosures."""
    return gate.read(
        user,
        persons,
        channel=channel,
        request=request,
        event=privacy_events.PERSON_READ,
        label="person",
        classes=classes,
        require=None,
        children=CHILDREN,
        disclosed=lambda person, projection: _disclosed(person, projection, user.agency_id),
    )


# What a projection reads besides the person's row: fetched once for a whole list.
PROJECTED = (
    "names",
    "identifiers",
    "addresses",
    "notes__author",
    "notes__agency",
    "changes__changed_by",
)


def _persons():
    return Person.objects.prefetch_related(*PROJECTED)


@dataclass
class OpenedPerson:
    """A record opened on a page: what may be seen, and what the page may offer to write."""

    view: PersonView
    row: Person  # for actions to write to; never handed to a template
    writable: list[str]
    readable: set[str]  # every class the user may read, whether or not this page shows it


def open_person(
    user, person_id, *, channel: str, request=None, classes: set[str] | None = None
) -> OpenedPerson:
    """One person as `user` may see them, audited; the user's circumstances towards the
    person are worked out once for reading and writing. NotFound also when nothing may be
    seen, so a forbidden person's existence is never revealed."""
    close_expired_grants()
    person = _persons().filter(pk=person_id, program_id=user.agency.program_id).first()
    if person is None:
        raise NotFound(_("No such person."))
    shown = _read(user, [person], channel=channel, request=request, classes=classes)
    if not shown:
        raise NotFound(_("No such person."))
    view = _view(shown[0])
    writable = list(allowed_for(user, person, Action.WRITE))
    readable = shown[0].readable
    return OpenedPerson(view=view, row=person, writable=writable, readable=set(readable))


def view_person(
    user, person_id, *, channel: str, request=None, classes: set[str] | None = None
) -> PersonView:
    return open_person(user, person_id, channel=channel, request=request, classes=classes).view


def access_person_by_id(user, person_id) -> Person:
    """The person's row, for an action to write to, when the user may see who they are.
    Actions check each class they write; this is not a read of the record's contents."""
    person = Person.objects.filter(pk=person_id, program_id=user.agency.program_id).first()
    if person is None or DataClass.OPERATIONAL not in readable_for_many(user, [person])[person.pk]:
        raise NotFound(_("No such person."))
    return person


def view_persons(
    user, persons, *, channel: str, request=None, classes: set[str] | None = None
) -> list[PersonView]:
    """Several persons (a list, an export), each cut to what may be seen, all audited.
    `classes` narrows what is shown (a list shows identity only)."""
    persons = list(persons)
    prefetch_related_objects(persons, *PROJECTED)
    return [
        _view(projection)
        for projection in _read(user, persons, channel=channel, request=request, classes=classes)
    ]


def display_names(person_ids) -> dict[Any, str]:
    """Each person's name for a long list (their legal name, else their first), in one
    query; `person_ids` a list or a query selecting them. Names are operational: the
    caller has asked the policy for that class of each person and audits the rows it shows
    (`list_reads`)."""
    found: dict[Any, tuple[str, str]] = {}
    rows = (
        PersonName.objects.filter(person_id__in=person_ids)
        .order_by("person", "kind", "id")
        .values_list("person_id", "kind", "given", "middle", "family")
    )
    for person_id, kind, *parts in rows:
        held = found.get(person_id)
        if held is None or (kind == NameKind.LEGAL and held[0] != NameKind.LEGAL):
            found[person_id] = (kind, " ".join(part for part in parts if part))
    return {person_id: name for person_id, (_kind, name) in found.items()}


def list_reads(
    user,
    shown: dict[Any, dict[str, Decision]],
    holders: dict[Any, int],
    *,
    channel: str,
    request=None,
) -> None:
    """Audits the rows of a list that shows persons without their records: one person read
    per row, naming the classes the row showed, and whether that was a disclosure (the
    reader is outside the agency that registered the person)."""
    gate.record_reads(
        user,
        [
            gate.Read(
                action=privacy_events.PERSON_READ,
                record=f"person:{person_id}",
                object_type="person",
                object_id=person_id,
                fields=tuple(sorted(classes)),
                detail={
                    "channel": channel,
                    "basis": ";".join(
                        f"{name}={decision.basis}" for name, decision in sorted(classes.items())
                    ),
                    "disclosed": ",".join(sorted(classes))
                    if holders[person_id] != user.agency_id
                    else "",
                    "part2_notice": False,
                },
            )
            for person_id, classes in shown.items()
            if classes
        ],
        request=request,
    )


@dataclass
class Match:
    view: PersonView
    score: float
    reasons: list[str]

    @property
    def strength(self) -> str:
        return strength(self.score)


def search_for(
    user, query: PersonQuery, *, channel: str, limit: int = 10, request=None
) -> list[Match]:
    """Search results show who a person is (operational class) and why they matched."""
    base = Person.objects.visible_to(user)
    candidates = search(user.agency.program, query, limit=limit, base=base)
    views = view_persons(
        user,
        [candidate.person for candidate in candidates],
        channel=channel,
        request=request,
        classes={DataClass.OPERATIONAL.value},
    )
    by_id = {view.id: view for view in views}
    return [
        Match(by_id[c.person.pk], round(c.score, 1), c.reasons)
        for c in candidates
        if c.person.pk in by_id
    ]
