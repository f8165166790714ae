"""The read gate: the one way a person's classified information reaches a reader.

An app fetches its records and hands them here with `read()`. The gate, in one call:

1. **decides** — the reader's circumstances towards each record's person (relations,
   consents, break-the-glass; plus any relation the app knows of, such as working the
   call) go to the pure policy (`policy.decide`), once per record;
2. **projects** — of each record only the fields whose class the reader may read: each
   model declares its fields' classes beside them (`privacy_classes`), a class chosen per
   row (`BY_ROW`) or derived from the row (`DERIVED`: a referral to a substance-use
   service is Part 2) is worked out here, never in the app;
3. **audits** — one entry per reader, record and window (`AuditSettings`, 15 minutes by
   default): a read that shows no more than its window's entry adds to the window's count
   (`ReadWindow`, beside the chain) instead of writing another chained entry.

Bulk reads (a worklist, a partner's referrals) are one call: one decision per record from
a fixed number of queries, and all new entries in one insert.

A test (`privacy/tests/test_gate_is_the_only_path.py`) fails when code outside this module
writes read entries or projects a classified model by itself.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from coresponder.accounts.models import Role
from coresponder.core.audit import Actor, Pending, append

from . import access
from .classification import BY_ROW, DERIVED, STRUCTURAL, DataClass, PersonData
from .models import AccessRelation, AuditSettings, ReadWindow
from .policy import Action, Circumstances, Decision, Relation, Requester, decide

READ_WINDOW_MINUTES = 15


@dataclass(frozen=True)
class Reader:
    """Who reads: a signed-in user, or a partner agency acting by its API token."""

    actor: Actor
    requester: Requester | None
    agency: Any
    user: Any = None  # None for a token
    key: str = ""  # names the reader in the read windows

    @classmethod
    def of(cls, who) -> Reader:
        """A `Reader` from a user, or from anything with `.user` and `.token` (a
        referrals `Principal`)."""
        if isinstance(who, Reader):
            return who
        token = getattr(who, "token", None)
        if token is not None:
            agency = token.agency
            requester = (
                Requester(frozenset({Role.PARTNER}), agency.pk, agency.kind)
                if token.is_active
                else None
            )
            return cls(Actor.of_token(token), requester, agency, None, f"token:{token.prefix}")
        user = getattr(who, "user", who) if not hasattr(who, "agency_id") else who
        return cls(
            Actor.of_user(user), access.requester_of(user), user.agency, user, f"user:{user.pk}"
        )

    @property
    def program_id(self):
        return self.agency.program_id


@dataclass
class Projection:
    """What one reader may see of one record: the permitted fields, nothing else."""

    id: Any
    person_id: Any
    fields: dict[str, Any]
    readable: dict[str, Decision]  # every class the reader may read here, shown or not
    shown: dict[str, Decision]  # the classes of the fields in `fields`, with their basis
    extra: dict[str, Any] = field(default_factory=dict)  # the record's own rows, projected
    field_classes: dict[str, str] = field(default_factory=dict)  # each shown field's class

    def __getitem__(self, name: str) -> Any:
        return self.fields[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self.fields.get(name, default)

    def has(self, name: str) -> bool:
        return name in self.fields

    def reads(self, data_class: str) -> bool:
        return data_class in self.readable

    def shows(self, data_class: str) -> bool:
        """Whether fields of `data_class` are among those shown."""
        return data_class in self.shown

    def of_class(self, data_class: str) -> list[str]:
        """The names of the fields shown of `data_class`, in the model's order."""
        return [name for name, held in self.field_classes.items() if held == data_class]

    @property
    def shown_class(self) -> str:
        """The class shown of a row whose fields share one (a note, an identifier)."""
        return next(iter(self.shown), "")


# Deciding ---------------------------------------------------------------------------------


def agency_circumstances(
    agency, person_ids: Iterable, *, at: datetime | None = None
) -> dict[object, Circumstances]:
    """A whole agency's circumstances towards each person (for its API token): its
    referral-recipient relations and the person's consents in force. A relation granted
    under a consent rests on it: the policy holds it only while the consent is in force."""
    at = at or timezone.now()
    person_ids = list(person_ids)
    related, resting = set(), defaultdict(set)
    for person_id, consent_id in (
        AccessRelation.objects.in_force(at)
        .filter(
            person_id__in=person_ids, agency=agency, kind=AccessRelation.Kind.REFERRAL_RECIPIENT
        )
        .values_list("person_id", "consent_id")
    ):
        if consent_id is None:
            related.add(person_id)
        else:
            resting[person_id].add((Relation.REFERRAL_RECIPIENT, str(consent_id)))
    consents = access.consents_in_force(person_ids, at=at)
    return {
        person_id: Circumstances(
            relations=frozenset({Relation.REFERRAL_RECIPIENT} if person_id in related else ()),
            consents=tuple(consents[person_id]),
            resting_on=frozenset(resting[person_id]),
        )
        for person_id in person_ids
    }


def circumstances_of(reader: Reader, person_ids: Iterable, *, at: datetime | None = None):
    person_ids = [person_id for person_id in dict.fromkeys(person_ids) if person_id is not None]
    if reader.user is None:
        return agency_circumstances(reader.agency, person_ids, at=at)
    return access.circumstances_for_many(reader.user, person_ids, at=at)


def decide_all(
    reader: Reader,
    circumstances: Circumstances,
    *,
    classes: Iterable[str] = (),
    action: Action = Action.READ,
) -> dict[str, Decision]:
    if reader.requester is None:
        return {}
    asked = [DataClass(name) for name in classes] or list(DataClass)
    return {
        name.value: decision
        for name in asked
        if (decision := decide(reader.requester, name, action, circumstances))
    }


# Projecting -------------------------------------------------------------------------------


def class_of(row: PersonData, name: str, reader: Reader) -> str:
    """The class of one field of one row, for this reader: as declared beside the model,
    the row's own for `BY_ROW`, derived from the row for `DERIVED`."""
    declared = row.privacy_classes[name]
    if declared == BY_ROW:
        return row.row_class()
    if declared == DERIVED:
        return row.derived_class(name, reader_agency_id=reader.agency.pk)
    return declared


def showing(who, rows: Iterable[PersonData], field_name: str, readable: Iterable[str]) -> list:
    """The rows whose `field_name` the reader may see (its class, derived ones included),
    given the classes already decided for their person: for a page that lists records of
    one person it decides and audits as a whole (a case's timeline of referral moves)."""
    reader = Reader.of(who)
    readable = set(readable)
    return [row for row in rows if class_of(row, field_name, reader) in readable]


@dataclass(frozen=True)
class Rows:
    """A record's own rows, read with it by the same reader (an encounter's sections, a
    section's addenda): `of(record)` gives them, `children` are their own rows in turn."""

    of: Callable[[Any], Iterable[PersonData]]
    children: Mapping[str, Rows | Callable[[Any], Iterable[PersonData]]] = field(
        default_factory=dict
    )
    only: frozenset[str] | None = None  # the fields the page shows of them


Children = Mapping[str, Rows | Callable[[Any], Iterable[PersonData]]]


def _rows(spec) -> Rows:
    return spec if isinstance(spec, Rows) else Rows(spec)


def authored_by(row: PersonData, reader: Reader) -> bool:
    """Whether the reader wrote the row (its `privacy_authors`): a relation of its own."""
    if reader.user is None:
        return False
    return any(
        getattr(row, row._meta.get_field(name).attname) == reader.user.pk
        for name in row.privacy_authors
    )


def _project(
    row: PersonData,
    reader: Reader,
    readable: dict[str, Decision],
    only,
    children: Children | None = None,
    *,
    decide_with: Callable[[frozenset], dict[str, Decision]] | None = None,
) -> Projection:
    """The row as the reader may see it. A row the reader wrote is decided again with the
    author's relation (`decide_with`), for that row and its own rows alone."""
    if decide_with is not None and row.privacy_authors and authored_by(row, reader):
        readable = {**decide_with(frozenset({Relation.AUTHOR})), **readable}
    fields, shown, field_classes = {}, {}, {}
    for name in row.privacy_classes:
        if only is not None and name not in only:
            continue
        data_class = class_of(row, name, reader)
        if data_class == STRUCTURAL:
            fields[name] = _value(row, name)
        elif data_class in readable:
            fields[name] = _value(row, name)
            shown[data_class] = readable[data_class]
            field_classes[name] = data_class
    projection = Projection(
        id=row.pk,
        person_id=person_of(row),
        fields=fields,
        readable=readable,
        shown=shown,
        field_classes=field_classes,
    )
    for name, spec in (children or {}).items():
        # A record's own rows are read as it is, by the same reader.
        rows = _rows(spec)
        projection.extra[name] = [
            _project(child, reader, readable, rows.only, rows.children, decide_with=decide_with)
            for child in rows.of(row)
        ]
    return projection


def shown_in_all(projection: Projection) -> dict[str, Decision]:
    """The classes shown by a projection and by its own rows, with their basis: what the
    audit entry of the read names."""
    shown = dict(projection.shown)
    for rows in projection.extra.values():
        for child in rows:
            for name, decision in shown_in_all(child).items():
                shown.setdefault(name, decision)
    return shown


def _value(row, name: str) -> Any:
    """A field's value; a link not fetched with the row is given as its id (no query)."""
    model_field = row._meta.get_field(name)
    if model_field.many_to_one and not model_field.is_cached(row):
        return getattr(row, model_field.attname)
    return getattr(row, name)


def person_of(row) -> Any:
    if type(row).__name__ == "Person":
        return row.pk
    if isinstance(row, PersonData):
        return row.person_key()
    return getattr(row, "person_id", None)


# Auditing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Read:
    """One record shown to the reader, as the audit log is to know it."""

    action: str
    record: str  # "<type>:<id>", the window's key
    object_type: str
    object_id: Any
    fields: tuple[str, ...]
    detail: dict

    @classmethod
    def of(
        cls, action: str, *, label: str, row_id, person_id, fields: Iterable[str], detail: dict
    ) -> Read:
        """A read of the `label` record `row_id`, on its person when it names one."""
        return cls(
            action=action,
            record=f"{label}:{row_id}",
            object_type="person" if person_id is not None else label,
            object_id=person_id if person_id is not None else row_id,
            fields=tuple(sorted(fields)),
            detail=detail,
        )


def window_minutes(program_id) -> int:
    minutes = (
        AuditSettings.objects.filter(program_id=program_id)
        .values_list("read_window_minutes", flat=True)
        .first()
    )
    return minutes or READ_WINDOW_MINUTES


def _merge(reads: Sequence[Read]) -> list[Read]:
    """One read per record of a call: a record shown twice on one page is read once."""
    merged: dict[tuple[str, str], Read] = {}
    for one in reads:
        key = (one.action, one.record)
        held = merged.get(key)
        merged[key] = (
            one
            if held is None
            else replace(held, fields=tuple(sorted(set(held.fields) | set(one.fields))))
        )
    return list(merged.values())


def audit(
    reader: Reader, reads: Sequence[Read], *, now: datetime, request: HttpRequest | None = None
) -> None:
    """Writes the reads: a new chained entry for each record not read in an open window
    (or read now with more than the window's entry shows), a count for the others."""
    reads = _merge(reads)
    if not reads:
        return
    with transaction.atomic():
        minutes = window_minutes(reader.program_id)
        open_windows: dict[tuple[str, str], ReadWindow] = {}
        for window in ReadWindow.objects.filter(
            reader=reader.key,
            record__in={read_.record for read_ in reads},
            opened_at__lte=now,
            closes_at__gt=now,
        ).order_by("entry_seq"):
            open_windows[(window.action, window.record)] = window  # the latest wins
        counted, fresh = [], []
        for read_ in reads:
            window = open_windows.get((read_.action, read_.record))
            if window is not None and set(read_.fields) <= set(window.fields):
                counted.append(window.pk)
            else:
                fresh.append(read_)
        if counted:
            ReadWindow.objects.filter(pk__in=counted).update(count=F("count") + 1, last_read_at=now)
        entries = append(
            [
                Pending(
                    read_.action,
                    reader.actor,
                    object_type=read_.object_type,
                    object_id=read_.object_id,
                    fields=read_.fields,
                    detail=read_.detail,
                )
                for read_ in fresh
            ],
            request=request,
            at=now,
        )
        ReadWindow.objects.bulk_create(
            [
                ReadWindow(
                    reader=reader.key,
                    action=read_.action,
                    record=read_.record,
                    fields=list(read_.fields),
                    entry_seq=entry.seq,
                    opened_at=now,
                    closes_at=now + timedelta(minutes=minutes),
                    last_read_at=now,
                )
                for read_, entry in zip(fresh, entries, strict=True)
            ]
        )


# The entry point ---------------------------------------------------------------------------


def _basis(shown: Mapping[str, Decision]) -> str:
    return ";".join(f"{name}={decision.basis}" for name, decision in sorted(shown.items()))


def read(
    who,
    rows: Sequence[PersonData],
    *,
    channel: str,
    event: str,
    label: str,
    now: datetime | None = None,
    request: HttpRequest | None = None,
    relations: Mapping[Any, Iterable[Relation]] | None = None,
    classes: Iterable[str] | None = None,
    only: Iterable[str] | None = None,
    require: str | None = DataClass.OPERATIONAL,
    require_field: str | None = None,
    children: Children | None = None,
    holder: Callable[[Any], Any] | None = None,
    detail: Callable[[Any], dict] | None = None,
    disclosed: Callable[[Any, Projection], set[str]] | None = None,
    anonymous: bool = True,
    circumstances: Mapping[Any, Circumstances] | None = None,
    name_fields: bool = False,
) -> list[Projection]:
    """Each row as `who` may see it, in the order given; rows showing nothing are left out.

    - `event`: the audit action of the read; `label`: the record's kind ("call",
      "referral", ...), which names the fields in the entry (`call:public_safety`) unless
      it is "person";
    - `relations`: relations the app knows of per row id (working a call: `ON_CALL`);
    - `classes`: the classes the page shows (identity only: `{"operational"}`);
    - `only`: the fields the page shows (a list reads fewer);
    - `require`: a class without which the row is not shown at all;
    - `require_field`: a field without which the row is not shown at all;
    - `children`: the record's own rows to project with it (`{"moves": row -> rows}`, or
      `Rows` for rows with rows of their own), in `projection.extra`; the entry names the
      classes they show too;
    - `holder(row)`: the agency holding the record, to tell a disclosure (shown outside it);
    - `detail(row)`: what the entry says besides the channel, basis and disclosure;
    - `disclosed(row, projection)`: the classes disclosed, when `holder` is not enough;
    - `anonymous`: whether a row naming no person is audited (on itself) at all;
    - `circumstances`: per person, when the caller has them already for this reader;
    - `name_fields`: the entry names each field shown (`response_plan:triggers`), not
      only its class.
    """
    reader = Reader.of(who)
    now = now or timezone.now()
    rows = list(rows)
    relations = relations or {}
    if reader.requester is None:
        return []
    mine = [
        row for row in rows if getattr(row, "program_id", reader.program_id) == reader.program_id
    ]
    if circumstances is None:
        circumstances = circumstances_of(reader, [person_of(row) for row in mine], at=now)
    only = set(only) if only is not None else None
    classes = set(classes) if classes is not None else None
    projections, reads = [], []
    for row in mine:
        base = circumstances.get(person_of(row), Circumstances())
        extra = frozenset(relations.get(row.pk, ()))
        if row.privacy_authors and authored_by(row, reader):
            extra |= {Relation.AUTHOR}
        if extra:
            base = replace(base, relations=base.relations | extra)
        readable = decide_all(reader, base)
        visible = _within(readable, classes)
        if require is not None and require not in visible:
            continue

        def decide_with(more, base=base):
            return _within(
                decide_all(reader, replace(base, relations=base.relations | more)), classes
            )

        projection = _project(row, reader, visible, only, children, decide_with=decide_with)
        projection.readable = readable
        shown = shown_in_all(projection)
        if not shown or (require_field and not projection.has(require_field)):
            continue
        projections.append(projection)
        person_id = projection.person_id
        if person_id is None and not anonymous:
            continue
        if disclosed is not None:
            outside = disclosed(row, projection)
        elif holder is not None and holder(row) != reader.agency.pk:
            outside = set(shown)
        else:
            outside = set()
        prefix = "" if label == "person" else f"{label}:"
        reads.append(
            Read(
                action=event,
                record=f"{label}:{row.pk}",
                object_type="person" if person_id is not None else label,
                object_id=person_id if person_id is not None else row.pk,
                fields=tuple(
                    sorted(
                        f"{prefix}{name}"
                        for name in (projection.field_classes if name_fields else shown)
                    )
                ),
                detail={
                    **(detail(row) if detail else {}),
                    "channel": channel,
                    "basis": _basis(shown),
                    "disclosed": ",".join(sorted(f"{prefix}{name}" for name in outside)),
                    "part2_notice": DataClass.SUD_PART2 in shown,
                },
            )
        )
    audit(reader, reads, now=now, request=request)
    return projections


def _within(readable: dict[str, Decision], classes: set[str] | None) -> dict[str, Decision]:
    if classes is None:
        return readable
    return {name: decision for name, decision in readable.items() if name in classes}


def may_read(
    who, row: PersonData, field_name: str, *, relations: Iterable[Relation] = (), now=None
) -> bool:
    """Whether `who` may read one field of `row` now: a check before an action or a
    fetch, which shows nothing and so is not audited."""
    reader = Reader.of(who)
    if reader.requester is None or getattr(row, "program_id", reader.program_id) != (
        reader.program_id
    ):
        return False
    person_id = person_of(row)
    base = circumstances_of(reader, [person_id], at=now).get(person_id, Circumstances())
    base = replace(base, relations=base.relations | frozenset(relations))
    return class_of(row, field_name, reader) in decide_all(reader, base)


def record_reads(
    who,
    reads: Sequence[Read],
    *,
    now: datetime | None = None,
    request: HttpRequest | None = None,
) -> None:
    """Audits reads an app showed without a projection: the worklist's rows, read as values
    in bulk (`people.access.list_reads`). The gate test allows no other caller."""
    audit(Reader.of(who), reads, now=now or timezone.now(), request=request)
