"""Writes to the person index. Each field written is checked against the privacy policy."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from coresponder.core.exceptions import DomainError, PermissionDenied
from coresponder.privacy.access import circumstances_for, requester_of
from coresponder.privacy.audit import Actor
from coresponder.privacy.classification import DataClass
from coresponder.privacy.policy import Action, Circumstances, decide

from . import events
from .matching import keys_for
from .models import (
    IDENTIFIER_CLASSES,
    IDENTIFIER_PATTERN,
    AddressKind,
    IdentifierSystem,
    NameKind,
    Person,
    PersonAddress,
    PersonFlag,
    PersonIdentifier,
    PersonName,
    PersonNote,
    Sex,
    VeteranStatus,
    normalise_identifier,
)

EDITABLE_FIELDS = [
    "date_of_birth",
    "birth_date_estimated",
    "sex",
    "gender_identity",
    "pronouns",
    "languages",
    "veteran_status",
    "flags",
    "safety_concerns",
    "clinical_summary",
    "substance_use_treatment",
    "phone",
    "email",
    "follow_up_needs",
]


@dataclass
class NameIn:
    given: str = ""
    family: str = ""
    middle: str = ""
    kind: str = NameKind.LEGAL


@dataclass
class IdentifierIn:
    system: str
    issuer: str
    value: str


@dataclass
class AddressIn:
    line1: str
    city: str = ""
    region: str = ""
    postal_code: str = ""
    line2: str = ""
    kind: str = AddressKind.HOME


@dataclass
class PersonIn:
    names: list[NameIn]
    date_of_birth: date | None = None
    birth_date_estimated: bool = False
    sex: str = Sex.UNKNOWN
    gender_identity: str = ""
    pronouns: str = ""
    languages: list[str] = field(default_factory=list)
    veteran_status: str = VeteranStatus.UNKNOWN
    flags: list[str] = field(default_factory=list)
    safety_concerns: str = ""
    clinical_summary: str = ""
    substance_use_treatment: str = ""
    phone: str = ""
    email: str = ""
    follow_up_needs: str = ""
    identifiers: list[IdentifierIn] = field(default_factory=list)
    addresses: list[AddressIn] = field(default_factory=list)


def _check_writes(user, classes: set[str], circumstances: Circumstances) -> None:
    requester = requester_of(user)
    refused = sorted(
        data_class
        for data_class in classes
        if requester is None or not decide(requester, data_class, Action.WRITE, circumstances)
    )
    if refused:
        labels = ", ".join(str(DataClass(name).label) for name in refused)
        raise PermissionDenied(
            _("Your role may not record this kind of information: %(classes)s.")
            % {"classes": labels},
            fields={"data_classes": refused},
        )


def _validate(data: PersonIn) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}

    def problem(name: str, message: str) -> None:
        problems.setdefault(name, []).append(message)

    if not data.names or not any(n.given.strip() or n.family.strip() for n in data.names):
        problem("names", _("Give at least a given or a family name."))
    for name in data.names:
        if name.kind not in NameKind.values:
            problem("names", _("Unknown kind of name."))
    if data.sex not in Sex.values:
        problem("sex", _("Unknown value."))
    if data.veteran_status not in VeteranStatus.values:
        problem("veteran_status", _("Unknown value."))
    unknown_flags = [flag for flag in data.flags if flag not in PersonFlag.values]
    if unknown_flags:
        problem("flags", _("Unknown flag: %(flags)s.") % {"flags": ", ".join(unknown_flags)})
    if data.date_of_birth and data.date_of_birth > date.today():  # noqa: DTZ011 - a date
        problem("date_of_birth", _("The date of birth is in the future."))
    for identifier in data.identifiers:
        problems_for = _identifier_problems(identifier)
        for message in problems_for:
            problem("identifiers", message)
    for address in data.addresses:
        if not address.line1.strip():
            problem("addresses", _("An address needs its first line."))
        if address.kind not in AddressKind.values:
            problem("addresses", _("Unknown kind of address."))
    return problems


def _identifier_problems(identifier: IdentifierIn) -> list[str]:
    problems = []
    if identifier.system not in IdentifierSystem.values:
        problems.append(
            _("Unknown identifier system “%(system)s”.") % {"system": identifier.system}
        )
    if not identifier.issuer.strip():
        problems.append(_("Say which system issued the identifier."))
    value = identifier.value.strip()
    if not IDENTIFIER_PATTERN.match(value):
        problems.append(
            _(
                "“%(value)s” is not an identifier: use letters and digits (with "
                "spaces, dots, dashes or slashes between them), up to 64 "
                "characters."
            )
            % {"value": value[:80]}
        )
    return problems


def _classes_written(data: PersonIn) -> set[str]:
    classes = {DataClass.OPERATIONAL.value}
    for name in EDITABLE_FIELDS:
        value = getattr(data, name)
        if value not in ("", None, [], False) and name not in ("sex", "veteran_status"):
            classes.add(Person.privacy_classes[name])
    classes.update(
        IDENTIFIER_CLASSES[IdentifierSystem(i.system)]
        for i in data.identifiers
        if i.system in IdentifierSystem.values
    )
    if data.addresses:
        classes.add(DataClass.CARE_COORDINATION.value)
    return classes


def register_person(data: PersonIn, *, acting_user, request=None) -> Person:
    """A new person in the acting user's program, held by the acting user's agency."""
    problems = _validate(data)
    if problems:
        raise DomainError(_("The person cannot be registered as entered."), fields=problems)
    classes = _classes_written(data)
    # A new person has no relations yet: what may be written is what the role allows.
    _check_writes(acting_user, classes, Circumstances())
    with transaction.atomic():
        person = Person.objects.create(
            program=acting_user.agency.program,
            registered_by_agency=acting_user.agency,
            **{name: getattr(data, name) for name in EDITABLE_FIELDS},
        )
        _add_names(person, data.names)
        _add_identifiers(person, data.identifiers)
        PersonAddress.objects.bulk_create(
            [
                PersonAddress(
                    person=person,
                    kind=a.kind,
                    line1=a.line1.strip(),
                    line2=a.line2,
                    city=a.city,
                    region=a.region,
                    postal_code=a.postal_code,
                )
                for a in data.addresses
            ]
        )
        events.person_registered(
            person=person, actor=Actor.of_user(acting_user), fields=sorted(classes), request=request
        )
    return person


def _add_names(person: Person, names: list[NameIn]) -> None:
    rows = []
    for name in names:
        if not (name.given.strip() or name.family.strip()):
            continue
        row = PersonName(
            person=person,
            kind=name.kind,
            given=name.given.strip(),
            middle=name.middle.strip(),
            family=name.family.strip(),
        )
        keys_for(row)
        rows.append(row)
    PersonName.objects.bulk_create(rows)


def _add_identifiers(person: Person, identifiers: list[IdentifierIn]) -> None:
    PersonIdentifier.objects.bulk_create(
        [
            PersonIdentifier(
                person=person,
                system=i.system,
                issuer=i.issuer.strip(),
                value=i.value.strip(),
                normalised=normalise_identifier(i.value),
            )
            for i in identifiers
        ],
        ignore_conflicts=True,
    )


def update_person(person: Person, *, changes: dict, acting_user, request=None) -> Person:
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise DomainError(
            _("These fields cannot be changed here: %(names)s.") % {"names": ", ".join(unknown)}
        )
    merged = PersonIn(
        names=[NameIn(family="-")],
        **{name: changes.get(name, getattr(person, name)) for name in EDITABLE_FIELDS},
    )
    problems = _validate(merged)
    if problems:
        raise DomainError(_("The change cannot be saved as entered."), fields=problems)
    classes = {Person.privacy_classes[name] for name in changes}
    _check_writes(acting_user, classes, circumstances_for(acting_user, person))
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        for name, value in changes.items():
            setattr(person, name, value)
        person.save(update_fields=[*changes, "updated_at"])
        events.person_updated(
            person=person, actor=Actor.of_user(acting_user), fields=sorted(changes), request=request
        )
    return person


def add_note(
    person: Person, *, data_class: str, body: str, acting_user, request=None
) -> PersonNote:
    if data_class not in DataClass.values:
        raise DomainError(
            _("Choose what kind of information the note holds."),
            fields={"data_class": [data_class]},
        )
    body = body.strip()
    if not body:
        raise DomainError(_("The note is empty."), fields={"body": [_("Write the note.")]})
    _check_writes(acting_user, {data_class}, circumstances_for(acting_user, person))
    with transaction.atomic():
        note = PersonNote.objects.create(
            person=person,
            data_class=data_class,
            body=body,
            author=acting_user,
            agency=acting_user.agency,
        )
        events.note_added(note=note, actor=Actor.of_user(acting_user), request=request)
    return note


def add_identifier(
    person: Person, identifier: IdentifierIn, *, acting_user, request=None
) -> PersonIdentifier:
    problems = _identifier_problems(identifier)
    if problems:
        raise DomainError(_("The identifier cannot be recorded."), fields={"identifiers": problems})
    data_class = IDENTIFIER_CLASSES[IdentifierSystem(identifier.system)]
    _check_writes(acting_user, {data_class}, circumstances_for(acting_user, person))
    normalised = normalise_identifier(identifier.value)
    with transaction.atomic():
        row, created = PersonIdentifier.objects.get_or_create(
            person=person,
            system=identifier.system,
            issuer=identifier.issuer.strip(),
            normalised=normalised,
            defaults={"value": identifier.value.strip()},
        )
        if created:
            events.person_updated(
                person=person,
                actor=Actor.of_user(acting_user),
                fields=[f"identifier:{identifier.system}"],
                request=request,
            )
    return row
