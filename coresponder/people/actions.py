"""Writes to the person index. Each field written is checked against the privacy policy."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coresponder.core.audit import Actor
from coresponder.core.exceptions import Conflict, DomainError, NotFound, PermissionDenied
from coresponder.core.phone_numbers import PhoneInvalid, normalise_phone
from coresponder.privacy.access import circumstances_for, requester_of
from coresponder.privacy.classification import DataClass
from coresponder.privacy.policy import Action, Circumstances, decide

from . import events
from .matching import keys_for
from .models import (
    IDENTIFIER_CLASSES,
    IDENTIFIER_PATTERN,
    AddressKind,
    IdentifierSystem,
    LinkageModel,
    NameKind,
    Person,
    PersonAddress,
    PersonChange,
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


# --- editing a person -----------------------------------------------------------------------

DIGITS = re.compile(r"\d")


def names_with_digits(names: list[NameIn]) -> list[str]:
    """The names that hold a digit: most often a date of birth or a phone typed into the
    name (a family name with the date of birth after it), which then matches every later
    search for it."""
    return [
        full
        for name in names
        if DIGITS.search(full := " ".join(p for p in (name.given, name.middle, name.family) if p))
    ]


@dataclass
class PersonEdit:
    """What an editor changed on a record they opened at `revision`; what is left out
    (a field not in `fields`, `names` None) stays as it is."""

    revision: int
    fields: dict[str, Any] = field(default_factory=dict)
    names: list[NameIn] | None = None
    identifiers_added: list[IdentifierIn] = field(default_factory=list)
    identifiers_removed: list[int] = field(default_factory=list)
    # The editor saw the warning about digits in a name and keeps them.
    digits_confirmed: bool = False


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _full(name) -> str:
    return " ".join(part for part in (name.given, name.middle, name.family) if part.strip())


def _by_kind(names) -> dict[str, str]:
    """Each kind of name as one text, the same whatever order the rows come in."""
    kinds: dict[str, list[str]] = {}
    for name in names:
        if _full(name):
            kinds.setdefault(name.kind, []).append(_full(name).strip())
    return {kind: "; ".join(sorted(fulls)) for kind, fulls in kinds.items()}


def _by_system(identifiers) -> dict[str, str]:
    systems: dict[str, list[str]] = {}
    for identifier in identifiers:
        systems.setdefault(identifier.system, []).append(
            f"{identifier.value.strip()} ({identifier.issuer.strip()})"
        )
    return {system: "; ".join(sorted(values)) for system, values in systems.items()}


def _edit_problems(person: Person, edit: PersonEdit) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    unknown = sorted(set(edit.fields) - set(EDITABLE_FIELDS))
    if unknown:
        problems["fields"] = [
            _("These fields cannot be changed here: %(names)s.") % {"names": ", ".join(unknown)}
        ]
        return problems
    names = edit.names if edit.names is not None else [NameIn(family="-")]
    merged = PersonIn(
        names=names,
        **{name: edit.fields.get(name, getattr(person, name)) for name in EDITABLE_FIELDS},
    )
    problems.update(_validate(merged))
    if edit.names is not None and not edit.digits_confirmed:
        known = {_full(name) for name in person.names.all()}
        digits = [text for text in names_with_digits(edit.names) if text not in known]
        if digits:
            problems.setdefault("names", []).append(
                _(
                    "“%(name)s” has digits in it. A date of birth or a phone number goes in "
                    "its own field; confirm only if the digits are truly part of the name."
                )
                % {"name": digits[0][:80]}
            )
    for identifier in edit.identifiers_added:
        for message in _identifier_problems(identifier):
            problems.setdefault("identifiers", []).append(message)
    if edit.fields.get("email"):
        try:
            validate_email(edit.fields["email"])
        except ValidationError:
            problems.setdefault("email", []).append(
                _("“%(email)s” is not an e-mail address.") % {"email": edit.fields["email"][:80]}
            )
    return problems


def _differences(locked: Person, edit: PersonEdit):
    """What the edit changes on the locked row: (field, class, before, after) per value,
    the person's fields changed, whether the names did, the identifiers removed and added."""
    changes: list[tuple[str, str, str, str]] = []  # field, class, before, after
    changed_fields = []
    for name, value in edit.fields.items():
        before = getattr(locked, name)
        if before != value and _as_text(before) != _as_text(value):
            changed_fields.append(name)
            changes.append((name, Person.privacy_classes[name], _as_text(before), _as_text(value)))
    current_names = list(locked.names.all())
    names_changed = False
    if edit.names is not None:
        before_names, after_names = _by_kind(current_names), _by_kind(edit.names)
        for kind in sorted(set(before_names) | set(after_names)):
            if before_names.get(kind, "") != after_names.get(kind, ""):
                names_changed = True
                changes.append(
                    (
                        f"name:{kind}",
                        DataClass.OPERATIONAL.value,
                        before_names.get(kind, ""),
                        after_names.get(kind, ""),
                    )
                )
    identifiers = list(locked.identifiers.all())
    removed = [row for row in identifiers if row.pk in set(edit.identifiers_removed)]
    if len(removed) != len(set(edit.identifiers_removed)):
        raise NotFound(_("No such identifier on this person."))
    kept = [row for row in identifiers if row not in removed]
    kept_keys = {(row.system, row.issuer, row.normalised) for row in kept}
    added = [
        i
        for i in edit.identifiers_added
        if (i.system, i.issuer.strip(), normalise_identifier(i.value)) not in kept_keys
    ]
    before_ids, after_ids = _by_system(identifiers), _by_system([*kept, *added])
    for system in sorted(set(before_ids) | set(after_ids)):
        if before_ids.get(system, "") != after_ids.get(system, ""):
            changes.append(
                (
                    f"identifier:{system}",
                    IDENTIFIER_CLASSES[IdentifierSystem(system)],
                    before_ids.get(system, ""),
                    after_ids.get(system, ""),
                )
            )
    return changes, changed_fields, names_changed, removed, added


def edit_person(
    person: Person,
    edit: PersonEdit,
    *,
    acting_user,
    request=None,
    now: datetime | None = None,
) -> list[PersonChange]:
    """Corrects a person's record: the row locked, the edit refused if the record changed
    since the editor opened it, each value written checked against the privacy policy,
    one `PersonChange` per value changed (before and after, in that value's class) and one
    audit event. Changed names get new search keys, so the old spelling stops matching.
    Returns the changes; none when nothing differed."""
    now = now or timezone.now()
    edit = PersonEdit(**{**edit.__dict__, "fields": dict(edit.fields)})
    if "phone" in edit.fields and edit.fields["phone"] != person.phone:
        try:
            edit.fields["phone"] = normalise_phone(edit.fields["phone"])
        except PhoneInvalid as error:
            raise DomainError(
                _("The change cannot be saved as entered."), fields={"phone": [error.message]}
            ) from None
    if "email" in edit.fields:
        edit.fields["email"] = edit.fields["email"].strip()
    problems = _edit_problems(person, edit)
    if problems:
        raise DomainError(_("The change cannot be saved as entered."), fields=problems)
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        if edit.revision != locked.revision:
            raise Conflict(
                _(
                    "Someone changed this record after you opened it (revision %(now)s, "
                    "you opened %(then)s). Open it again and make your change there."
                )
                % {"now": locked.revision, "then": edit.revision}
            )
        changes, changed_fields, names_changed, removed, added = _differences(locked, edit)
        if not changes:
            return []
        classes = {data_class for _field, data_class, _before, _after in changes}
        # Decided under the lock, on the relations the editor holds now.
        _check_writes(acting_user, classes, circumstances_for(acting_user, locked))
        locked.revision += 1
        for name in changed_fields:
            setattr(locked, name, edit.fields[name])
        locked.save(update_fields=[*changed_fields, "revision", "updated_at"])
        if names_changed:
            PersonName.objects.filter(person=locked).delete()
            _add_names(locked, edit.names or [])
        if removed:
            PersonIdentifier.objects.filter(pk__in=[row.pk for row in removed]).delete()
        _add_identifiers(locked, added)
        rows = PersonChange.objects.bulk_create(
            [
                PersonChange(
                    person=locked,
                    revision=locked.revision,
                    field=field_name,
                    data_class=data_class,
                    before=before,
                    after=after,
                    changed_by=acting_user,
                    changed_at=now,
                )
                for field_name, data_class, before, after in changes
            ]
        )
        events.person_edited(
            person=locked,
            actor=Actor.of_user(acting_user),
            fields=sorted(f"{field_name}:{data_class}" for field_name, data_class, *_ in changes),
            revision=locked.revision,
            request=request,
        )
    person.revision = locked.revision
    return rows


def train_linkage_model(
    program, *, acting_user=None, now: datetime, progress=lambda message: None
) -> LinkageModel:
    """Learn the match model from the program's persons and store it as the next version.

    The learning runs outside any transaction (it takes minutes on a large index); the
    new version is numbered under the program's row lock, so two runs never take the same
    number. The audit event says that the persons were read to train, and how many."""
    from .linkage import record_of
    from .training import train

    persons = (
        Person.objects.filter(program=program)
        .order_by("pk")
        .prefetch_related("names", "identifiers", "addresses")
    )
    records, ids = [], []
    for person in persons.iterator(chunk_size=2000):
        records.append(record_of(person))
        ids.append(str(person.pk))
        if len(ids) % 10000 == 0:
            progress(f"Read {len(ids)} persons")
    progress(f"Read {len(ids)} persons")
    trained = train(records, ids, progress=progress)
    held = {
        column: sum(1 for record in records if record.get(column))
        for column in ("given_name", "family_name")
    }
    return store_linkage_model(
        program, trained, persons=len(ids), names_held=held, acting_user=acting_user, now=now
    )


def store_linkage_model(
    program, trained, *, persons: int, names_held: dict, acting_user=None, now: datetime
) -> LinkageModel:
    """Keep a trained model as the program's next version, numbered under the program's
    row lock so that two trainings never take the same number; one audit event."""
    from coresponder.accounts.models import Program

    parameters = {**trained.stored, "names_held": names_held}
    with transaction.atomic():
        Program.objects.select_for_update().get(pk=program.pk)
        latest = LinkageModel.objects.filter(program=program).order_by("-version").first()
        model = LinkageModel.objects.create(
            program=program,
            version=(latest.version + 1) if latest else 1,
            trained_at=now,
            trained_by=acting_user,
            persons=persons,
            parameters=parameters,
            splink_model=trained.splink_model,
        )
        events.linkage_model_trained(model=model, actor=Actor.of_user(acting_user))
    return model
