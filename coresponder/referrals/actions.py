"""Writes to the resource directory: importing and exporting HSDS 3 packages.

An import is all or nothing. `hsds.read_package` checks every file and row first; if any
file cannot be read or any row breaks a rule, the import is refused with every problem
(file, line, reason) and nothing is written. A directory is a web of ids: importing the
rows that passed without the ones that failed would leave services without their
organisation or hours, so the package is fixed and imported again instead. Warnings (an
optional link to a row that is not there, a latitude out of range) are reported and do not
stop the import.

A record's identity is its HSDS id within the program: importing the same package again
updates each row in place, never duplicates it. Rows the package does not name are kept.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from coresponder.accounts.models import Agency, Role, User
from coresponder.core.audit import Actor
from coresponder.core.exceptions import (
    Conflict,
    DomainError,
    Invalid,
    NotFound,
    PermissionDenied,
)
from coresponder.core.spreadsheet import safe_csv_writer
from coresponder.core.time_bounds import Facing, time_problem
from coresponder.encounters.access import rights_for
from coresponder.privacy.actions import end_relations, grant_relation
from coresponder.privacy.classification import DataClass
from coresponder.privacy.models import AccessRelation, Consent

from . import events, hsds, signals
from .access import (
    Principal,
    consent_to_send,
    may_send_referrals,
    partner_access_ended,
    partner_readable,
)
from .hsds_upgrade import ConversionReport
from .loop import (
    PARTNER_MOVES,
    UNANSWERED,
    WORDS,
    IllegalMove,
    State,
    access_ends_at,
    check_move,
)
from .models import (
    MODELS,
    Organization,
    PartnerLink,
    Referral,
    ReferralEvent,
    ReferralSettings,
    Service,
    ServiceCapacity,
    Unit,
)

log = logging.getLogger(__name__)
CARE_COORDINATION = DataClass.CARE_COORDINATION
# Where a partner answers its referrals; reminders link to it.
PARTNER_PAGE = "/referrals/partner/"

Progress = Callable[[int, int], None]
BATCH = 500


class PackageRefused(DomainError):
    """The package cannot be imported as it is; nothing was written."""

    code = "hsds_package_refused"
    status = 422

    def __init__(self, message: str, *, problems: list[hsds.Problem]) -> None:
        super().__init__(message)
        self.problems = problems

    @property
    def errors(self) -> list[hsds.Problem]:
        return [problem for problem in self.problems if problem.severity == hsds.ERROR]


class ExportRefused(DomainError):
    code = "hsds_export_refused"
    status = 422


@dataclass
class ImportReport:
    source: Path
    form: str
    created: Counter = field(default_factory=Counter)  # table: rows
    updated: Counter = field(default_factory=Counter)
    warnings: list[hsds.Problem] = field(default_factory=list)
    skipped_files: list[str] = field(default_factory=list)
    seconds: float = 0.0
    dry_run: bool = False
    version: str = "3"  # the HSDS version of the package: "3", "2.0", "1.1", "1.1 or 2.0"
    conversion: ConversionReport | None = None  # for an older package: carried, defaulted, dropped

    @property
    def rows(self) -> int:
        return sum(self.created.values()) + sum(self.updated.values())


@dataclass
class ExportReport:
    target: Path
    rows: Counter = field(default_factory=Counter)  # table: rows
    files: list[str] = field(default_factory=list)


def _actor(acting_user, name: str) -> Actor:
    if acting_user is not None:
        return Actor.of_user(acting_user)
    return Actor.system(name)


def known_ids(program) -> dict[str, set[str]]:
    """The HSDS ids the program's directory holds, by table."""
    return {
        table.name: set(
            MODELS[table.name].objects.filter(program=program).values_list("hsds_id", flat=True)
        )
        for table in hsds.TABLES
    }


def import_hsds_package(
    source: Path,
    *,
    program,
    acting_user=None,
    reading: Progress | None = None,
    writing: Progress | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Imports an HSDS 3 package (tabular or JSON) into the program's directory.

    A tabular HSDS 1.1 or 2.0 package is converted to HSDS 3 on reading
    (`hsds_upgrade`); the report's `conversion` says what was carried, defaulted and dropped.

    With `dry_run`, checks the package and counts what it would create and update, and
    writes nothing.
    """
    started = time.perf_counter()
    known = known_ids(program)
    package = hsds.read_package(Path(source), known=known, progress=reading)
    if package.errors:
        count = len(package.errors)
        raise PackageRefused(
            f"The package was refused with {count} problem{'s' if count != 1 else ''}. "
            "Nothing was imported.",
            problems=package.problems,
        )
    report = ImportReport(
        Path(source),
        package.form,
        warnings=package.warnings,
        skipped_files=package.skipped_files,
        dry_run=dry_run,
        version=package.version,
        conversion=package.conversion,
    )
    if dry_run:
        for table, rows in package.rows.items():
            report.updated[table] = sum(1 for row in rows if row.id in known[table])
            report.created[table] = len(rows) - report.updated[table]
        report.seconds = time.perf_counter() - started
        return report
    total, done = package.row_count, 0
    with transaction.atomic():
        pk_of = {
            table.name: dict(
                MODELS[table.name].objects.filter(program=program).values_list("hsds_id", "pk")
            )
            for table in hsds.TABLES
        }
        for table in hsds.TABLES:
            rows = package.rows.get(table.name, [])
            if not rows:
                continue
            _write_table(table, rows, program=program, pk_of=pk_of, report=report)
            done += len(rows)
            if writing:
                writing(done, total)
        events.directory_imported(
            program=program,
            actor=_actor(acting_user, "import"),
            detail={
                "source": report.source.name,
                "form": report.form,
                "version": report.version,
                "created": sum(report.created.values()),
                "updated": sum(report.updated.values()),
                "warnings": len(report.warnings),
            },
        )
    report.seconds = time.perf_counter() - started
    return report


def _write_table(table: hsds.Table, rows, *, program, pk_of, report: ImportReport) -> None:
    """Inserts the table's new rows and updates the known ones, by (program, HSDS id).

    One upsert per batch (INSERT ... ON CONFLICT DO UPDATE, on SQLite and PostgreSQL): a row
    already in the directory keeps its key and creation time, and takes every other value.
    """
    model = MODELS[table.name]
    meta = model._meta
    known = pk_of[table.name]
    columns = [column for column in table.columns if column.name != "id"]
    own = [column for column in columns if column.ref == table.name]
    records = []
    for row in rows:
        record = model(program=program, hsds_id=row.id)
        for column in columns:
            value = row.values[column.name]
            if column.ref:
                if column.ref != table.name:
                    setattr(record, f"{column.field}_id", pk_of[column.ref].get(value))
                continue
            if value is None and not meta.get_field(column.field).null:
                value = meta.get_field(column.field).get_default()
            setattr(record, column.field, value)
        records.append(record)
    new = [record for record in records if record.hsds_id not in known]
    fields = [column.field for column in columns if column.ref != table.name]
    _upsert(model, records, [*fields, "updated_at"])
    known.update({record.hsds_id: record.pk for record in new})
    if own:  # links within the table (a parent organisation), once every row has its key
        by_id = {row.id: row for row in rows}
        for record in records:
            record.pk = uuid.uuid4()  # a key no row has: the upsert updates by HSDS id
            for column in own:
                setattr(
                    record,
                    f"{column.field}_id",
                    known.get(by_id[record.hsds_id].values[column.name]),
                )
        _upsert(model, records, [column.field for column in own])
    report.created[table.name] += len(new)
    report.updated[table.name] += len(records) - len(new)


def _upsert(model, records, fields: list[str]) -> None:
    model.objects.bulk_create(
        records,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["program", "hsds_id"],
        update_fields=fields,
    )


def export_hsds_package(target: Path, *, program, acting_user=None) -> ExportReport:
    """Writes the program's directory as an HSDS 3 tabular package: datapackage.json + CSVs."""
    target = Path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ExportRefused(
            f"{target} exists and is not an empty folder; give a new or empty folder."
        )
    target.mkdir(parents=True, exist_ok=True)
    report = ExportReport(target)
    resources = []
    for table in hsds.TABLES:
        headers = hsds.column_headers(table)
        rows = table_rows(table, program=program)
        with (target / table.file).open("w", newline="", encoding="utf-8") as handle:
            # HSDS is data exchange read by other directories' software: verbatim (security.md).
            writer = safe_csv_writer(handle, verbatim=True)
            writer.writerow(headers)
            for row in rows:
                writer.writerow([hsds.format_value(row[name]) for name in headers])
        report.rows[table.name] = len(rows)
        report.files.append(table.file)
        resources.append(
            {
                "name": table.name,
                "path": table.file,
                "profile": "tabular-data-resource",
                "encoding": "utf-8",
                "schema": {
                    "fields": [
                        {"name": column.name, "type": FRICTIONLESS_TYPES.get(column.type, "string")}
                        for column in table.columns
                    ],
                    "primaryKey": "id",
                },
            }
        )
    descriptor = {
        "name": "coresponder-directory",
        "title": f"{program.name}: resource directory (HSDS 3)",
        "profile": "tabular-data-package",
        "created": timezone.now().isoformat().replace("+00:00", "Z"),
        "resources": resources,
    }
    (target / "datapackage.json").write_text(
        json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    report.files.append("datapackage.json")
    with transaction.atomic():
        events.directory_exported(
            program=program,
            actor=_actor(acting_user, "export"),
            detail={"target": target.name, "rows": sum(report.rows.values())},
        )
    return report


FRICTIONLESS_TYPES = {
    "number": "number",
    "latitude": "number",
    "longitude": "number",
    "integer": "integer",
    "year": "year",
    "boolean": "boolean",
    "date": "date",
    "time": "time",
    "datetime": "datetime",
}


def table_rows(table: hsds.Table, *, program) -> list[dict[str, object]]:
    """The program's rows of one HSDS table, by column name, references as HSDS ids."""
    model = MODELS[table.name]
    plain = {
        column.name: column.field
        for column in table.columns
        if column.name != "id" and not column.ref
    }
    linked = {
        f"ref_{column.name}": F(f"{column.field}__hsds_id")
        for column in table.columns
        if column.ref
    }
    rows = []
    for values in (
        model.objects.filter(program=program)
        .order_by("hsds_id")
        .values("hsds_id", *plain.values(), **linked)
    ):
        row: dict[str, object] = {"id": values["hsds_id"]}
        for column in table.columns[1:]:
            key = f"ref_{column.name}" if column.ref else plain[column.name]
            row[column.name] = values[key]
        rows.append(row)
    return rows


# Referrals ==============================================================================
# Everything below is the closed loop of referrals (docs/referrals.md, "Referrals"): a
# person sent to a directory service, and the partner's answers. The directory's import
# and export above do not use it.

WITHDRAWERS = frozenset({Role.CLINICIAN, Role.CASE_MANAGER, Role.SUPERVISOR})
CAPACITY_UNIT_ID = "coresponder-places"


class ConsentNeeded(PermissionDenied):
    """Sending would carry care-coordination details the person has not agreed to share."""

    code = "consent_needed"


def link_partner(organization: Organization, *, agency: Agency, acting_user=None) -> PartnerLink:
    """Say which of the program's agencies acts for a directory organisation. An
    administrator does it, or the server's operator (`coresponder referrals link`)."""
    if acting_user is not None and not acting_user.has_role(Role.ADMINISTRATOR):
        raise PermissionDenied(_("Only administrators link organisations to partner agencies."))
    programs = {organization.program_id, agency.program_id}
    if acting_user is not None:
        programs.add(acting_user.agency.program_id)
    if len(programs) != 1:
        raise DomainError(_("The organisation and the agency must be of the same program."))
    with transaction.atomic():
        link, _created = PartnerLink.objects.update_or_create(
            organization=organization, defaults={"agency": agency}
        )
        actor = Actor.of_user(acting_user) if acting_user else Actor.system("command line")
        events.partner_linked(link=link, actor=actor)
    return link


def _service_of_program(service: Service, encounter) -> Service:
    if service.program_id != encounter.program_id:
        raise NotFound(_("No such service."))
    return service


def _sender_rights(encounter, acting_user):
    if encounter.program_id != acting_user.agency.program_id:
        raise NotFound(_("No such encounter."))
    return rights_for(acting_user, encounter.call)


def _first_move(referral: Referral, *, principal: Principal, at) -> ReferralEvent:
    return ReferralEvent.objects.create(
        referral=referral,
        from_state="",
        to_state=referral.state,
        at=at,
        by_user=principal.user,
        by_token=principal.token,
        by_name=principal.name,
    )


def send_referral(
    encounter,
    *,
    service: Service,
    need: str,
    contact: str = "",
    voluntary: bool = True,
    acting_user,
    request=None,
) -> Referral:
    """Send the encounter's person to a partner's service, with the need and how to reach
    them. Refused unless a consent in force shares care coordination with the partner."""
    rights = _sender_rights(encounter, acting_user)
    service = _service_of_program(service, encounter)
    if not may_send_referrals(acting_user, rights):
        raise PermissionDenied(
            _("Only clinicians and case managers on the call or the care team send referrals.")
        )
    person = encounter.call.person
    if person is None:
        raise DomainError(
            _("The call names no one to refer. Record that information was given instead.")
        )
    need = need.strip()
    if not need:
        raise DomainError(
            _("Say what the person needs from the service."),
            fields={"need": [_("This field is required.")]},
        )
    if service.status != Service.Status.ACTIVE:
        raise DomainError(
            _("%(service)s is not taking anyone now (%(status)s).")
            % {"service": service.name, "status": service.get_status_display()}
        )
    link = PartnerLink.objects.filter(organization_id=service.organization_id).first()
    if link is None or link.agency.program_id != encounter.program_id:
        raise DomainError(
            _(
                "%(organization)s does not take referrals through Coresponder. Record that "
                "information was given instead."
            )
            % {"organization": service.organization.name}
        )
    agency = link.agency
    principal = Principal(user=acting_user)
    with transaction.atomic():
        # Decided in the transaction that sends: a consent revoked a moment ago counts.
        decision = consent_to_send(agency, person.pk)
        if not decision:
            raise ConsentNeeded(
                _(
                    "No consent in force shares care-coordination information with "
                    "%(organization)s. Record the person's consent first, or record that "
                    "information was given."
                )
                % {"organization": service.organization.name}
            )
        now = timezone.now()
        referral = Referral.objects.create(
            program_id=encounter.program_id,
            encounter=encounter,
            person=person,
            service=service,
            organization_id=service.organization_id,
            agency=agency,
            kind=Referral.Kind.REFERRAL,
            voluntary=voluntary,
            state=State.SENT,
            need=need,
            contact=contact.strip(),
            sent_by=acting_user,
            sent_at=now,
            moved_at=now,
        )
        _first_move(referral, principal=principal, at=now)
        # The relation rests on the consent that let the referral go, and ends with it.
        consent_id = decision.basis.removeprefix("consent:")
        consent = Consent.objects.get(pk=consent_id) if consent_id != decision.basis else None
        # One already ending (an attended referral's grace period) does not serve a new one.
        already = (
            AccessRelation.objects.in_force(now)
            .filter(
                person=person,
                agency=agency,
                kind=AccessRelation.Kind.REFERRAL_RECIPIENT,
                consent=consent,
                ends_at__isnull=True,
            )
            .exists()
        )
        if not already:
            grant_relation(
                person,
                kind=AccessRelation.Kind.REFERRAL_RECIPIENT,
                agency=agency,
                source=f"referral to {service.name}"[:120],
                consent=consent,
                acting_user=acting_user,
            )
        events.referral_sent(
            referral=referral, actor=principal.actor, basis=decision.basis, request=request
        )
        signals.referral_moved.send(
            Referral, referral=referral, from_state="", to_state=referral.state
        )
    return referral


def record_information_given(
    encounter, *, service: Service, voluntary: bool = True, acting_user, request=None
) -> Referral:
    """Record that the person was told of a service, and nothing was sent: no details are
    kept, and the partner sees nothing of it."""
    rights = _sender_rights(encounter, acting_user)
    service = _service_of_program(service, encounter)
    if not rights.works and not rights.writes(CARE_COORDINATION):
        raise PermissionDenied(
            _("Only responders on the call or the care team record information given.")
        )
    principal = Principal(user=acting_user)
    with transaction.atomic():
        now = timezone.now()
        referral = Referral.objects.create(
            program_id=encounter.program_id,
            encounter=encounter,
            person_id=encounter.call.person_id,
            service=service,
            organization_id=service.organization_id,
            agency=None,
            kind=Referral.Kind.INFORMATION_GIVEN,
            voluntary=voluntary,
            state=State.INFORMATION_GIVEN,
            sent_by=acting_user,
            sent_at=now,
            moved_at=now,
        )
        _first_move(referral, principal=principal, at=now)
        events.information_given(referral=referral, actor=principal.actor, request=request)
    return referral


def _end_recipient_access(referral: Referral, *, principal: Principal, now) -> None:
    """The partner's relation to the person ends when the last of its referrals for them
    closes: at once when declined or withdrawn, after the program's grace period when
    attended. One audit entry per relation ended (privacy.actions)."""
    days = ReferralSettings.days_after_attended_of(referral.program_id)
    ends = [
        access_ends_at(State(state), moved_at, days)
        for state, moved_at in Referral.objects.filter(
            person_id=referral.person_id,
            agency_id=referral.agency_id,
            kind=Referral.Kind.REFERRAL,
        ).values_list("state", "moved_at")
    ]
    if any(end is None for end in ends):
        return  # another referral to the partner is still open
    end_relations(
        AccessRelation.objects.in_force(now).filter(
            person_id=referral.person_id,
            agency_id=referral.agency_id,
            kind=AccessRelation.Kind.REFERRAL_RECIPIENT,
        ),
        reason=AccessRelation.EndReason.REFERRAL_CLOSED,
        actor=principal.actor,
        at=max(ends),
        detail={"referral": str(referral.pk), "referral_state": referral.state},
    )


def _may_move(referral: Referral, wanted: State, principal: Principal) -> None:
    if wanted in PARTNER_MOVES:
        if not principal.partner_of(referral.agency_id):
            raise PermissionDenied(
                _("Only the partner the referral was sent to marks it %(state)s.")
                % {"state": WORDS[wanted]}
            )
        if partner_access_ended(principal, referral):
            raise PermissionDenied(_("Your access to this referral has ended."))
        return
    user = principal.user
    if principal.token is not None or user is None:
        raise PermissionDenied(_("Only the program's staff withdraw a referral."))
    if user.pk == referral.sent_by_id:
        return
    if (
        referral.encounter_id is not None
        and user.has_role(*WITHDRAWERS)
        and _sender_rights(referral.encounter, user).writes(CARE_COORDINATION)
    ):
        return
    raise PermissionDenied(
        _("Only the sender, or clinicians and case managers caring for the person, withdraw it.")
    )


def move_referral(
    referral: Referral,
    *,
    to: str,
    principal: Principal,
    reason: str = "",
    appointment_at=None,
    note: str = "",
    request=None,
) -> Referral:
    """One move of the loop, by the partner (received … no-show) or the sender (withdrawn)."""
    try:
        wanted = State(to)
    except ValueError:
        raise DomainError(
            _("Not a state a referral can be moved to."), fields={"to": [str(to)]}
        ) from None
    _may_move(referral, wanted, principal)
    reason, note = reason.strip(), note.strip()
    if wanted == State.DECLINED and not reason:
        raise DomainError(
            _("Say why the referral is declined."),
            fields={"reason": [_("This field is required.")]},
        )
    if wanted == State.SCHEDULED:
        if appointment_at is None:
            raise DomainError(
                _("Give the appointment's date and time."),
                fields={"appointment_at": [_("This field is required.")]},
            )
        if timezone.is_naive(appointment_at):
            raise DomainError(
                _("Give the appointment's time with its time zone."),
                fields={"appointment_at": [_("No time zone.")]},
            )
        bounds = referral.program.time_bounds(timezone.now(), facing=Facing.PLANNED)
        if problem := time_problem(appointment_at, bounds):
            raise Invalid(
                _("The appointment cannot be booked then."), fields={"appointment_at": [problem]}
            )
    if note and principal.is_partner and referral.person_id is not None:
        # A note is care coordination: a partner adds one only while it may read them.
        readable = partner_readable(principal, [referral.person_id])[referral.person_id]
        if CARE_COORDINATION not in readable:
            raise ConsentNeeded(
                _("No consent in force shares care coordination with you: leave the note out.")
            )
    with transaction.atomic():
        referral = Referral.objects.select_for_update().get(pk=referral.pk)
        current = State(referral.state)
        try:
            check_move(current, wanted)
        except IllegalMove as error:
            raise Conflict(str(error)) from None
        now = timezone.now()
        referral.state, referral.moved_at = wanted, now
        fields = ["state", "moved_at", "updated_at"]
        if wanted == State.SCHEDULED:
            referral.appointment_at = appointment_at
            fields.append("appointment_at")
        if wanted == State.DECLINED:
            referral.decline_reason = reason[:300]
            fields.append("decline_reason")
        referral.save(update_fields=fields)
        ReferralEvent.objects.create(
            referral=referral,
            from_state=current,
            to_state=wanted,
            at=now,
            by_user=principal.user,
            by_token=principal.token,
            by_name=principal.name,
            note=note,
        )
        events.referral_moved(
            referral=referral, actor=principal.actor, from_state=current, request=request
        )
        if access_ends_at(wanted, now, 0) is not None:
            _end_recipient_access(referral, principal=principal, now=now)
        signals.referral_moved.send(
            Referral, referral=referral, from_state=current, to_state=wanted
        )
    return referral


def update_capacity(
    service: Service,
    *,
    available: int,
    maximum: int | None,
    principal: Principal,
    request=None,
) -> ServiceCapacity:
    """The partner says how many places its service has free now."""
    link = PartnerLink.objects.filter(organization_id=service.organization_id).first()
    if link is None or not principal.partner_of(link.agency_id):
        raise NotFound(_("No such service."))
    problems: dict[str, list[str]] = {}
    if available < 0:
        problems["available"] = [_("Cannot be below zero.")]
    if maximum is not None and maximum < available:
        problems["maximum"] = [_("Cannot be below the places available.")]
    if problems:
        raise DomainError(_("The capacity is not valid."), fields=problems)
    with transaction.atomic():
        now = timezone.now()
        capacity = (
            ServiceCapacity.objects.select_for_update()
            .filter(service=service)
            .order_by("hsds_id")
            .first()
        )
        if capacity is None:
            unit, _created = Unit.objects.get_or_create(
                program_id=service.program_id,
                hsds_id=CAPACITY_UNIT_ID,
                defaults={"name": "places"},
            )
            capacity = ServiceCapacity.objects.create(
                program_id=service.program_id,
                hsds_id=str(uuid.uuid4()),
                service=service,
                unit=unit,
                available=available,
                maximum=maximum,
                updated=now,
            )
        else:
            capacity.available, capacity.maximum, capacity.updated = available, maximum, now
            capacity.save(update_fields=["available", "maximum", "updated", "updated_at"])
        events.capacity_updated(capacity=capacity, actor=principal.actor, request=request)
    return capacity


def reminder_hours() -> int:
    return int(getattr(settings, "COR_REFERRAL_REMINDER_HOURS", 24))


def _reminder(referral: Referral, hours: int) -> tuple[str, str]:
    """The message: which organisation and service, and a link. No person's information."""
    link = settings.COR_SITE_URL.rstrip("/") + PARTNER_PAGE
    subject = _("A referral waits at %(organization)s") % {
        "organization": referral.organization.name
    }
    body = _(
        "A referral to %(service)s at %(organization)s has had no answer for more than "
        "%(hours)s hours. Open Coresponder to answer it: %(link)s"
    ) % {
        "service": referral.service.name,
        "organization": referral.organization.name,
        "hours": hours,
        "link": link,
    }
    return subject, body


def remind_unanswered(now=None) -> int:
    """Tell partner agencies of referrals still unanswered past the program's deadline
    (`COR_REFERRAL_REMINDER_HOURS`), once each. Returns how many referrals were reminded.

    The referrals are claimed in one transaction (rows locked, skipping any another run
    holds) and marked reminded before the messages go, after the commit: a message may be
    lost with a mail server, never sent twice."""
    now = now or timezone.now()
    hours = reminder_hours()
    with transaction.atomic():
        due = list(
            Referral.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                kind=Referral.Kind.REFERRAL,
                state__in=[state.value for state in UNANSWERED],
                reminded_at__isnull=True,
                sent_at__lte=now - timedelta(hours=hours),
            )
            .select_related("organization", "service", "agency")
            .order_by("sent_at")
        )
        if not due:
            return 0
        Referral.objects.filter(pk__in=[r.pk for r in due]).update(reminded_at=now)
        agencies = {r.agency_id for r in due}
        addresses: dict[int, list[str]] = defaultdict(list)
        for agency_id, email in (
            User.objects.filter(
                agency_id__in=agencies, is_active=True, role_grants__role=Role.PARTNER
            )
            .exclude(email="")
            .values_list("agency_id", "email")
            .distinct()
        ):
            addresses[agency_id].append(email)
        system = Actor.system("referral reminders")
        messages = []
        for referral in due:
            events.reminder_sent(
                referral=referral, actor=system, recipients=len(addresses[referral.agency_id])
            )
            if addresses[referral.agency_id]:
                subject, body = _reminder(referral, hours)
                messages.append((subject, body, addresses[referral.agency_id]))

        def send() -> None:
            for subject, body, to in messages:
                try:
                    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to)
                except OSError:
                    log.warning("referral reminder not sent", exc_info=True)

        transaction.on_commit(send)
    return len(due)
