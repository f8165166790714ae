"""Writes to encounters and response plans.

Each action runs in one transaction, names who acted, asks the privacy policy whether
they may write the class, and writes one audit event. Bad input is refused with a
`DomainError` naming each bad field, and nothing is written. A signed section is never
edited: later words are addenda beside it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from coresponder.accounts.models import Role
from coresponder.calls.models import Call
from coresponder.core.audit import Actor, record
from coresponder.core.exceptions import Conflict, DomainError, PermissionDenied
from coresponder.dispatch.models import StatusEvent
from coresponder.dispatch.status import Status
from coresponder.privacy.access import decide_for
from coresponder.privacy.classification import DataClass
from coresponder.privacy.policy import Action

from . import dispositions, events, follow_up, instruments, referrals_made
from . import sections as section_rules
from .access import rights_for
from .models import (
    Addendum,
    Assessment,
    Encounter,
    EncounterState,
    HoldCriterion,
    Instrument,
    PlanState,
    ResponsePlan,
    Section,
    SectionState,
)
from .sections import INTERVENTION_CODES, SECTIONS, Kind

MAX_ADDENDUM = 4000
PLAN_WRITERS = (Role.CLINICIAN, Role.CASE_MANAGER)


def may_draft_plan(user, opened) -> bool:
    """Whether to offer the plan form to `user` on a person opened for them
    (`people.access.open_person`); `save_plan` decides again."""
    return user.has_role(*PLAN_WRITERS) and DataClass.CLINICAL in opened.writable


PLAN_APPROVERS = (Role.SUPERVISOR,)


class EditConflict(Conflict):
    """A save that would overwrite a colleague's newer words; carries what is stored now."""

    def __init__(self, message: str, *, fields: dict, section: Section) -> None:
        super().__init__(message, fields=fields)
        self.section = section


def _digest(content) -> str:
    return hashlib.sha256(
        json.dumps(content, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


def _blank(value):
    """Empty is empty, whether never written, "" or []: no conflict between them."""
    return None if value in (None, "", []) else value


def _draft(encounter: Encounter) -> None:
    if encounter.state == EncounterState.COMPLETE:
        raise Conflict(
            _("The encounter is complete: add an addendum to a section instead of changing it.")
        )


def _locked_draft(encounter: Encounter) -> Encounter:
    """The encounter's row, locked, and still a draft: taken first in every write that
    changes a draft, so completing it cannot slip between the check and the write (the
    same order as `complete_encounter`: the encounter, then its sections)."""
    locked = Encounter.objects.select_for_update().get(pk=encounter.pk)
    _draft(locked)
    return locked


def start_encounter(call: Call, *, acting_user, request=None) -> Encounter:
    """The call's encounter, made on first need once a team has been sent to the call."""
    rights = rights_for(acting_user, call)
    if not rights.works:
        raise PermissionDenied(_("Only those working the call start its encounter."))
    existing = Encounter.objects.filter(call=call).select_related("call", "team").first()
    if existing is not None:
        return existing
    first_dispatch = (
        StatusEvent.objects.filter(call=call, to_status=Status.DISPATCHED)
        .order_by("occurred_at", "id")
        .first()
    )
    if first_dispatch is None:
        raise DomainError(_("No team has been sent to this call: there is no encounter yet."))
    with transaction.atomic():
        encounter, created = Encounter.objects.get_or_create(
            call=call, defaults={"program_id": call.program_id, "team_id": first_dispatch.team_id}
        )
        if created:
            events.on_encounter(
                events.ENCOUNTER_STARTED,
                encounter,
                person_id=call.person_id,
                actor=Actor.of_user(acting_user),
                detail={"reference": call.reference},
                request=request,
            )
    return Encounter.objects.select_related("call", "call__person", "team").get(pk=encounter.pk)


def _section_writer(encounter: Encounter, kind: str, acting_user):
    try:
        kind = Kind(kind)
    except ValueError:
        known = ", ".join(k.value for k in Kind)
        raise DomainError(
            _("No such section %(kind)r (%(known)s).") % {"kind": kind, "known": known}
        ) from None
    spec = SECTIONS[kind]
    rights = rights_for(acting_user, encounter.call)
    if rights.team_role != spec.writer:
        raise PermissionDenied(
            _("The %(section)s section is written by the team's %(role)s.")
            % {"section": spec.title.lower(), "role": spec.writer}
        )
    if not rights.writes(spec.data_class):
        if spec.data_class == DataClass.SUD_PART2:
            raise PermissionDenied(
                _(
                    "Substance-use information needs the person linked to the call and their "
                    "Part 2 consent naming your agency."
                )
            )
        raise PermissionDenied(_("You may not write this section for this person."))
    return kind, spec


def save_section(
    encounter: Encounter,
    kind: str,
    *,
    content: dict,
    base: dict | None = None,
    save_id: str = "",
    acting_user,
    request=None,
) -> Section:
    """Autosave of a draft section: the fields given are merged into what is stored.

    `base` holds, for each field, the value the writer's screen started from. A field a
    colleague changed since (stored value neither the base nor the new value) is a
    conflict: nothing is saved and the stored section comes back to be shown. A save whose
    `save_id` was already taken (the browser resending after a dropped connection) changes
    nothing.
    """
    kind, spec = _section_writer(encounter, kind, acting_user)
    _draft(encounter)
    if problems := section_rules.problems_with(kind, content):
        raise DomainError(_("The section was not saved."), fields=problems)
    save_id = (save_id or "")[:64]
    with transaction.atomic():
        _locked_draft(encounter)
        section, _created = Section.objects.select_for_update().get_or_create(
            encounter=encounter,
            kind=kind,
            defaults={"data_class": spec.data_class, "written_by": acting_user},
        )
        if save_id and save_id == section.last_save_id:
            return section
        if section.is_signed:
            raise Conflict(
                _("The %(section)s section is signed: add an addendum instead.")
                % {"section": spec.title.lower()}
            )
        stored = dict(section.content)
        if base is not None:
            clashes = {
                name: [_("Changed by %(who)s since you opened it.") % {"who": section.written_by}]
                for name, value in content.items()
                if _blank(stored.get(name)) not in (_blank(base.get(name)), _blank(value))
            }
            if clashes:
                raise EditConflict(
                    _("Someone else changed this section while you wrote: compare and choose."),
                    fields=clashes,
                    section=section,
                )
        stored.update(content)
        section.content = stored
        section.revision += 1
        section.last_save_id = save_id
        section.written_by = acting_user
        section.save()
        Encounter.objects.filter(pk=encounter.pk, state=EncounterState.DRAFT).update(
            revision=F("revision") + 1, updated_at=timezone.now()
        )
        events.on_encounter(
            events.SECTION_SAVED,
            encounter,
            person_id=encounter.call.person_id,
            actor=Actor.of_user(acting_user),
            fields=[f"encounter:{spec.data_class}:{name}" for name in sorted(content)],
            detail={"section": kind.value, "revision": section.revision},
            request=request,
        )
    return section


def sign_section(encounter: Encounter, kind: str, *, acting_user, request=None) -> Section:
    """The writer signs their section; from now on it changes only by addenda."""
    kind, spec = _section_writer(encounter, kind, acting_user)
    with transaction.atomic():
        section = Section.objects.select_for_update().filter(encounter=encounter, kind=kind).first()
        if section is None or section_rules.is_empty(section.content):
            raise DomainError(
                _("Write the %(section)s section before signing it.")
                % {"section": spec.title.lower()}
            )
        if section.is_signed:
            raise Conflict(_("Already signed by %(who)s.") % {"who": section.signed_by})
        section.state = SectionState.SIGNED
        section.signed_by, section.signed_at = acting_user, timezone.now()
        section.save()
        events.on_encounter(
            events.SECTION_SIGNED,
            encounter,
            person_id=encounter.call.person_id,
            actor=Actor.of_user(acting_user),
            fields=[f"encounter:{spec.data_class}"],
            # The digest lets an auditor show the signed words were never changed.
            detail={"section": kind.value, "content_sha256": _digest(section.content)},
            request=request,
        )
    return section


def add_addendum(
    encounter: Encounter, kind: str, *, text: str, acting_user, request=None
) -> Addendum:
    """Later words on a signed section, with author and time; the signed text stays."""
    kind, spec = _section_writer(encounter, kind, acting_user)
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write the addendum."), fields={"text": [_("Needs some words.")]})
    if section_rules.NUL in text:
        raise DomainError(
            _("The addendum was not saved."),
            fields={"text": [_("Remove the null character.")]},
        )
    if len(text) > MAX_ADDENDUM:
        raise DomainError(
            _("The addendum is too long."),
            fields={"text": [_("At most %(n)s characters.") % {"n": MAX_ADDENDUM}]},
        )
    section = Section.objects.filter(encounter=encounter, kind=kind).first()
    if section is None or not section.is_signed:
        raise Conflict(_("The section is not signed yet: edit the draft instead."))
    with transaction.atomic():
        addendum = Addendum.objects.create(
            section=section, data_class=section.data_class, text=text, author=acting_user
        )
        events.on_encounter(
            events.ADDENDUM_ADDED,
            encounter,
            person_id=encounter.call.person_id,
            actor=Actor.of_user(acting_user),
            fields=[f"encounter:{spec.data_class}:addendum"],
            detail={
                "section": kind.value,
                "addendum": str(addendum.pk),
                "signed_content_sha256": _digest(section.content),
            },
            request=request,
        )
    return addendum


def instrument_in_use(key: str) -> Instrument:
    instrument = Instrument.objects.filter(key=key, is_active=True).order_by("-version").first()
    if instrument is None:
        raise DomainError(
            _("No instrument %(key)r is offered.") % {"key": key},
            fields={"instrument": [_("Unknown or retired instrument.")]},
        )
    return instrument


def record_assessment(
    encounter: Encounter,
    *,
    instrument_key: str,
    answers: dict,
    assessment: Assessment | None = None,
    acting_user,
    request=None,
) -> Assessment:
    """An instrument answered, or an answered one changed while the encounter is a draft.

    Answers may be partial (the screen is saved as it is filled); a wrong kind of answer,
    or an answer to a question the skip logic does not ask, is refused.
    """
    rights = rights_for(acting_user, encounter.call)
    if rights.team_role != "clinician" or not rights.writes(DataClass.CLINICAL):
        raise PermissionDenied(_("The team's clinician records assessments."))
    _draft(encounter)
    instrument = assessment.instrument if assessment else instrument_in_use(instrument_key)
    parsed = instrument.parsed()
    if not isinstance(answers, dict):
        raise DomainError(_("Answers are an object of question keys to answers."))
    answers = {key: value for key, value in answers.items() if value is not None}
    problems = {
        key: messages
        for key, messages in instruments.problems_with(parsed, answers).items()
        if messages != ["Needs an answer."]
    }
    if problems:
        raise DomainError(_("The answers were not saved."), fields=problems)
    result = instruments.score(parsed, answers)
    with transaction.atomic():
        _locked_draft(encounter)
        if assessment is None:
            assessment = Assessment(encounter=encounter, instrument=instrument)
        assessment.answers = answers
        assessment.complete = result.complete
        assessment.level, assessment.label = result.level, result.label
        assessment.by = acting_user
        assessment.save()
        events.on_encounter(
            events.ASSESSMENT_RECORDED,
            encounter,
            person_id=encounter.call.person_id,
            actor=Actor.of_user(acting_user),
            fields=["encounter:clinical:assessment"],
            detail={
                "instrument": f"{instrument.key} v{instrument.version}",
                "assessment": str(assessment.pk),
                "complete": result.complete,
            },
            request=request,
        )
    return assessment


def hold_criteria_of(program) -> dict[str, str]:
    """The jurisdiction's hold criteria (the defaults until a program sets its own)."""
    rows = dict(
        HoldCriterion.objects.filter(program=program, is_active=True).values_list("code", "text")
    )
    return rows or dict(dispositions.DEFAULT_HOLD_CRITERIA)


def _record_for(encounter: Encounter, disposition_in: DispositionIn) -> dispositions.Record:
    """What the rest of the record says, as the disposition's rules need it."""
    statuses = set(
        StatusEvent.objects.filter(call_id=encounter.call_id).values_list("to_status", flat=True)
    )
    safety = (
        Section.objects.filter(encounter=encounter, kind=Kind.SAFETY)
        .values_list("content", flat=True)
        .first()
    ) or {}
    written = [
        content
        for content in Section.objects.filter(encounter=encounter)
        .exclude(kind=Kind.SAFETY)
        .values_list("content", flat=True)
        if not section_rules.is_empty(content)
    ]
    return dispositions.Record(
        disposition=disposition_in.disposition,
        destination=disposition_in.destination,
        legal_basis=disposition_in.legal_basis,
        hold_criteria=tuple(disposition_in.hold_criteria),
        charges=str(safety.get("charges", "")),
        transported=Status.TRANSPORTING in statuses or "transport" in disposition_in.interventions,
        person_contacted=bool(written) or encounter.assessments.exists(),
        referral_made=disposition_in.disposition == dispositions.Disposition.REFERRED_VOLUNTARY
        and referrals_made.made_on(encounter),
    )


@dataclass
class DispositionIn:
    disposition: str
    destination: str = ""
    legal_basis: str = ""
    hold_criteria: list[str] = field(default_factory=list)
    interventions: list[str] = field(default_factory=list)
    interventions_note: str = ""


def problems_with_disposition(
    encounter: Encounter, disposition_in: DispositionIn
) -> dict[str, list[str]]:
    problems = dispositions.problems_with(
        _record_for(encounter, disposition_in), hold_criteria=hold_criteria_of(encounter.program)
    )
    unknown = sorted(set(disposition_in.interventions) - INTERVENTION_CODES)
    if unknown:
        problems.setdefault("interventions", []).append(
            _("Not interventions of the list: %(codes)s.") % {"codes": ", ".join(unknown)}
        )
    for name, limit in (("destination", 200), ("legal_basis", 200), ("interventions_note", 300)):
        if len(getattr(disposition_in, name)) > limit:
            problems.setdefault(name, []).append(_("At most %(n)s characters.") % {"n": limit})
        if section_rules.NUL in getattr(disposition_in, name):
            problems.setdefault(name, []).append(_("Remove the null character."))
    return problems


def set_disposition(
    encounter: Encounter, disposition_in: DispositionIn, *, acting_user, request=None
) -> Encounter:
    """The one primary disposition, checked against the rest of the record."""
    rights = rights_for(acting_user, encounter.call)
    if rights.team_role is None or not rights.writes(DataClass.OPERATIONAL):
        raise PermissionDenied(_("The responders on the call record its disposition."))
    _draft(encounter)
    with transaction.atomic():
        # Checked again on the locked row: the record may have changed since it was read.
        locked = _locked_draft(encounter)
        if problems := problems_with_disposition(locked, disposition_in):
            raise DomainError(_("The disposition was not saved."), fields=problems)
        Encounter.objects.filter(pk=encounter.pk, state=EncounterState.DRAFT).update(
            disposition=disposition_in.disposition,
            destination=disposition_in.destination.strip(),
            legal_basis=disposition_in.legal_basis.strip(),
            hold_criteria=sorted(set(disposition_in.hold_criteria)),
            interventions=sorted(set(disposition_in.interventions)),
            interventions_note=disposition_in.interventions_note.strip(),
            revision=F("revision") + 1,
            updated_at=timezone.now(),
        )
        events.on_encounter(
            events.DISPOSITION_SET,
            encounter,
            person_id=encounter.call.person_id,
            actor=Actor.of_user(acting_user),
            fields=["encounter:operational:disposition"],
            detail={"disposition": disposition_in.disposition},
            request=request,
        )
    encounter.refresh_from_db()
    return encounter


def mark_arrived(encounter: Encounter, *, acting_user, request=None) -> Encounter:
    """The team reached the destination it was transporting the person to."""
    rights = rights_for(acting_user, encounter.call)
    if rights.team_role is None:
        raise PermissionDenied(_("The team on the call records its arrival."))
    if encounter.team is None or encounter.team.status != Status.TRANSPORTING:
        raise Conflict(_("The team is not transporting anyone."))
    with transaction.atomic():
        _locked_draft(encounter)
        now = timezone.now()
        Encounter.objects.filter(pk=encounter.pk, state=EncounterState.DRAFT).update(
            arrived_at=now, updated_at=now
        )
        events.on_encounter(
            events.ARRIVED,
            encounter,
            person_id=encounter.call.person_id,
            actor=Actor.of_user(acting_user),
            request=request,
        )
    encounter.refresh_from_db()
    return encounter


def complete_encounter(encounter: Encounter, *, acting_user, request=None) -> Encounter:
    """Closes the record: a valid disposition, and every written section signed."""
    rights = rights_for(acting_user, encounter.call)
    if rights.team_role is None:
        raise PermissionDenied(_("The responders on the call complete its encounter."))
    with transaction.atomic():
        locked = Encounter.objects.select_for_update().get(pk=encounter.pk)
        _draft(locked)
        problems: dict[str, list[str]] = {}
        if not locked.disposition:
            problems["disposition"] = [_("Choose the disposition before completing.")]
        else:
            problems.update(
                problems_with_disposition(
                    locked,
                    DispositionIn(
                        disposition=locked.disposition,
                        destination=locked.destination,
                        legal_basis=locked.legal_basis,
                        hold_criteria=list(locked.hold_criteria),
                        interventions=list(locked.interventions),
                    ),
                )
            )
        for section in Section.objects.filter(encounter=locked, state=SectionState.DRAFT):
            if not section_rules.is_empty(section.content):
                problems.setdefault("sections", []).append(
                    _("The %(section)s section is not signed.")
                    % {"section": section.spec.title.lower()}
                )
        if problems:
            raise DomainError(_("The encounter cannot be completed yet."), fields=problems)
        now = timezone.now()
        Encounter.objects.filter(pk=locked.pk).update(
            state=EncounterState.COMPLETE,
            completed_at=now,
            completed_by=acting_user,
            revision=F("revision") + 1,
            updated_at=now,
        )
        events.on_encounter(
            events.ENCOUNTER_COMPLETED,
            locked,
            person_id=encounter.call.person_id,
            actor=Actor.of_user(acting_user),
            detail={"disposition": locked.disposition},
            request=request,
        )
        locked.state, locked.completed_at = EncounterState.COMPLETE, now
        # Cases, the app above, opens a case for some dispositions, in this transaction.
        follow_up.encounter_completed(locked)
    encounter.refresh_from_db()
    return encounter


INSTRUMENT_ADMINS = (Role.ADMINISTRATOR,)


def add_instrument(definition, *, acting_user, request=None) -> Instrument:
    """An administrator adds an instrument, or a new version of one, as data.

    The definition is checked whole first; a broken one is refused with its place and
    reason. A stored version is never changed: a change is a new version.
    """
    if acting_user is not None and not acting_user.has_role(*INSTRUMENT_ADMINS):
        raise PermissionDenied(_("Only administrators add instruments."))
    try:
        parsed = instruments.parse_instrument(definition)
    except instruments.InstrumentError as error:
        raise DomainError(
            _("The instrument was refused: %(why)s") % {"why": error},
            fields={"definition": [str(error)]},
        ) from None
    with transaction.atomic():
        if Instrument.objects.filter(key=parsed.key, version=parsed.version).exists():
            raise Conflict(
                _("%(key)s version %(version)s exists; give the changed one a new version.")
                % {"key": parsed.key, "version": parsed.version}
            )
        instrument = Instrument.objects.create(
            key=parsed.key, version=parsed.version, title=parsed.title, definition=definition
        )
        record(
            events.INSTRUMENT_ADDED,
            actor=Actor.of_user(acting_user) if acting_user else Actor.system(),
            object_type="instrument",
            object_id=instrument.pk,
            detail={"key": parsed.key, "version": parsed.version},
            request=request,
        )
    return instrument


def load_shipped_instruments(**_signal) -> list[Instrument]:
    """Stores each shipped instrument version not stored yet, each checked as it is read."""
    added = []
    for path in sorted(instruments.SHIPPED.glob("*.json")):
        parsed = instruments.load(path)
        instrument, created = Instrument.objects.get_or_create(
            key=parsed.key,
            version=parsed.version,
            defaults={
                "title": parsed.title,
                "definition": json.loads(path.read_text(encoding="utf-8")),
                "shipped": True,
            },
        )
        if created:
            added.append(instrument)
    return added


# Response plans -------------------------------------------------------------------------

PLAN_TEXT_FIELDS = ("safety_concerns", "triggers", "calming", "baseline", "escalated")
MAX_PLAN_TEXT = 4000


@dataclass
class PlanIn:
    review_by: date
    safety_concerns: str = ""
    triggers: str = ""
    calming: str = ""
    baseline: str = ""
    escalated: str = ""
    strategies: list[str] = field(default_factory=list)
    contacts: list[dict] = field(default_factory=list)


def problems_with_plan(plan_in: PlanIn, *, today: date) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}

    def bad(name: str, message: str) -> None:
        problems.setdefault(name, []).append(message)

    for name in PLAN_TEXT_FIELDS:
        if len(getattr(plan_in, name)) > MAX_PLAN_TEXT:
            bad(name, _("At most %(n)s characters.") % {"n": MAX_PLAN_TEXT})
        if section_rules.NUL in getattr(plan_in, name):
            bad(name, _("Remove the null character."))
    if any(section_rules.NUL in str(item) for item in [*plan_in.strategies, *plan_in.contacts]):
        bad("strategies", _("Remove the null character."))
    if not plan_in.safety_concerns.strip() and not plan_in.calming.strip():
        bad("safety_concerns", _("Say the safety concerns, or what calms the person."))
    if not isinstance(plan_in.review_by, date):
        bad("review_by", _("Give the date the plan is to be reviewed by."))
    elif plan_in.review_by <= today:
        bad("review_by", _("The review date must be in the future."))
    if not all(isinstance(s, str) and s.strip() and len(s) <= 500 for s in plan_in.strategies):
        bad("strategies", _("Each strategy is a line of at most 500 characters."))
    if not all(
        isinstance(c, dict) and str(c.get("name", "")).strip() and len(str(c)) <= 500
        for c in plan_in.contacts
    ):
        bad("contacts", _("Each contact needs a name (and a phone or role)."))
    return problems


def save_plan(
    person, plan_in: PlanIn, *, plan: ResponsePlan | None = None, acting_user, request=None
) -> ResponsePlan:
    """A clinician's draft plan, new or changed; an approved plan is revised as a new draft."""
    if not acting_user.has_role(*PLAN_WRITERS) or not decide_for(
        acting_user, person, DataClass.CLINICAL, Action.WRITE
    ):
        raise PermissionDenied(_("Clinicians on the person's calls or care team draft plans."))
    if plan is not None and plan.state != PlanState.DRAFT:
        raise Conflict(_("Only a draft plan changes; revise the approved plan as a new draft."))
    if problems := problems_with_plan(plan_in, today=timezone.localdate()):
        raise DomainError(_("The plan was not saved."), fields=problems)
    values = {
        "review_by": plan_in.review_by,
        "strategies": [s.strip() for s in plan_in.strategies],
        "contacts": [
            {key: str(value).strip() for key, value in contact.items()}
            for contact in plan_in.contacts
        ],
        **{name: getattr(plan_in, name).strip() for name in PLAN_TEXT_FIELDS},
    }
    with transaction.atomic():
        if plan is None:
            plan = ResponsePlan(
                program_id=person.program_id, person=person, drafted_by=acting_user, **values
            )
        else:
            for name, value in values.items():
                setattr(plan, name, value)
            plan.revision += 1
        plan.save()
        events.on_plan(
            events.PLAN_SAVED,
            plan,
            actor=Actor.of_user(acting_user),
            fields=sorted(f"response_plan:{name}" for name in values),
            detail={"revision": plan.revision},
            request=request,
        )
    return plan


def approve_plan(plan: ResponsePlan, *, acting_user, request=None) -> ResponsePlan:
    """A supervisor approves a draft; the plan it replaces is superseded."""
    if not acting_user.has_role(*PLAN_APPROVERS) or not decide_for(
        acting_user, plan.person, DataClass.CLINICAL, Action.READ
    ):
        raise PermissionDenied(
            _("A supervisor who may read the person's clinical record approves.")
        )
    if plan.drafted_by_id == acting_user.pk:
        raise PermissionDenied(_("A plan is approved by someone other than its author."))
    with transaction.atomic():
        locked = ResponsePlan.objects.select_for_update().get(pk=plan.pk)
        if locked.state != PlanState.DRAFT:
            raise Conflict(
                _("Only a draft plan is approved; this one is %(state)s.")
                % {"state": locked.get_state_display().lower()}
            )
        ResponsePlan.objects.filter(person_id=locked.person_id, state=PlanState.APPROVED).update(
            state=PlanState.SUPERSEDED, updated_at=timezone.now()
        )
        locked.state = PlanState.APPROVED
        locked.approved_by, locked.approved_at = acting_user, timezone.now()
        locked.save()
        events.on_plan(
            events.PLAN_APPROVED,
            locked,
            actor=Actor.of_user(acting_user),
            detail={"review_by": locked.review_by.isoformat()},
            request=request,
        )
    return locked
