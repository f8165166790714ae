"""Writes of the privacy domain: relations, consents, break-the-glass. One event each."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from coresponder.accounts.models import Agency, AgencyKind, Role
from coresponder.core.audit import Actor, record_many
from coresponder.core.exceptions import Conflict, DomainError, Invalid, PermissionDenied
from coresponder.core.time_bounds import Facing, time_problem

from . import events
from .classification import DataClass
from .models import AccessRelation, BreakGlassGrant, Consent
from .policy import BREAK_GLASS_ROLES

BREAK_GLASS_MINUTES = 60
CONSENT_RECORDERS = frozenset({Role.CLINICIAN, Role.CASE_MANAGER, Role.SUPERVISOR})
CARE_TEAM_MANAGERS = frozenset({Role.CLINICIAN, Role.CASE_MANAGER, Role.SUPERVISOR})
# Partners join a care team from community organisations; what they read of it still
# needs the person's consent (policy).
CARE_TEAM_ROLES = frozenset(
    {Role.CLINICIAN, Role.CASE_MANAGER, Role.SUPERVISOR, Role.EMT, Role.OFFICER, Role.PARTNER}
)
BREAK_GLASS_REVIEWERS = frozenset({Role.SUPERVISOR})


def _actor(user) -> Actor:
    return Actor.of_user(user) if user is not None else Actor.system()


def _same_program(person, user) -> None:
    if user is not None and person.program_id != user.agency.program_id:
        raise PermissionDenied(_("That person is not in your program."))


def grant_relation(
    person,
    *,
    kind: str,
    user=None,
    agency=None,
    source: str,
    until: datetime | None = None,
    consent: Consent | None = None,
    acting_user,
) -> AccessRelation:
    """A relation for one user or one agency; with `consent`, it holds only while that
    consent does (a referral recipient's rests on the consent it was sent under)."""
    if (user is None) == (agency is None):
        raise DomainError(_("A relation is for one user or for one agency."))
    holder_program = (user.agency if user is not None else agency).program_id
    if holder_program != person.program_id:
        raise DomainError(_("Relations stay within the person's program."))
    with transaction.atomic():
        relation = AccessRelation.objects.create(
            person=person,
            kind=kind,
            user=user,
            agency=agency,
            source=source,
            starts_at=timezone.now(),
            ends_at=until,
            consent=consent,
            created_by=acting_user,
        )
        events.relation_granted(relation=relation, actor=_actor(acting_user))
    return relation


def end_relation(
    relation: AccessRelation, *, acting_user, reason: str = AccessRelation.EndReason.BY_HAND
) -> AccessRelation:
    with transaction.atomic():
        ended = end_relations(
            AccessRelation.objects.filter(pk=relation.pk), reason=reason, acting_user=acting_user
        )
        if not ended:
            raise Conflict(_("That relation has already ended."))
    return ended[0]


def end_relations(
    relations: QuerySet,
    *,
    reason: str,
    acting_user=None,
    actor: Actor | None = None,
    at: datetime | None = None,
    system: str = "system",
    detail: dict | None = None,
) -> list[AccessRelation]:
    """Ends each of `relations` still in force at `at` (default now; a later `at` sets
    the end ahead, never later than one already set), one audit entry per relation
    ended, in a constant number of queries. Returns the relations ended."""
    at = at or timezone.now()
    with transaction.atomic():
        rows = list(
            relations.select_for_update(of=("self",))
            .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=at))
            .order_by("starts_at", "pk")
        )
        if not rows:
            return []
        AccessRelation.objects.filter(pk__in=[row.pk for row in rows]).update(
            ends_at=at, end_reason=reason
        )
        if actor is None:
            actor = Actor.of_user(acting_user) if acting_user is not None else Actor.system(system)
        for row in rows:
            row.ends_at, row.end_reason = at, reason
        record_many(
            [
                events.relation_ended(relation=row, actor=actor, reason=reason, detail=detail)
                for row in rows
            ]
        )
    return rows


def end_lapsed_relations(*, at: datetime | None = None) -> int:
    """Writes the end of each relation whose consent has been revoked or has expired (the
    policy already treats them as ended); run by `coresponder relations sweep`."""
    at = at or timezone.now()
    resting = AccessRelation.objects.in_force(at).filter(consent__isnull=False)
    revoked = resting.filter(consent__revoked_at__isnull=False)
    expired = resting.filter(consent__revoked_at__isnull=True, consent__ends_at__lte=at)
    count = 0
    for lapsed, reason in (
        (revoked, AccessRelation.EndReason.CONSENT_REVOKED),
        (expired, AccessRelation.EndReason.CONSENT_EXPIRED),
    ):
        # A plain read first: the sweep runs often and mostly finds nothing.
        if lapsed.exists():
            count += len(end_relations(lapsed, reason=reason, at=at, system="relations sweep"))
    return count


def add_to_care_team(person, *, member, acting_user) -> AccessRelation:
    """A clinician, case manager or supervisor puts a colleague (or themself) on the team."""
    _same_program(person, acting_user)
    if not acting_user.has_role(*CARE_TEAM_MANAGERS):
        raise PermissionDenied(
            _("Only clinicians, case managers and supervisors manage care teams.")
        )
    if not member.has_role(*CARE_TEAM_ROLES) or not member.is_active:
        raise DomainError(
            _("That user's role does not take part in care teams."),
            fields={"member": [member.username]},
        )
    already = (
        AccessRelation.objects.in_force()
        .filter(person=person, user=member, kind=AccessRelation.Kind.CARE_TEAM)
        .exists()
    )
    if already:
        raise Conflict(_("That user is already on the care team."))
    return grant_relation(
        person,
        kind=AccessRelation.Kind.CARE_TEAM,
        user=member,
        source=f"care team, added by {acting_user.username}",
        acting_user=acting_user,
    )


def record_consent(
    person,
    *,
    kind: str,
    data_classes: Iterable[str],
    recipient_agencies: Iterable[Agency] = (),
    recipient_agency_kinds: Iterable[str] = (),
    purpose: str,
    purpose_detail: str = "",
    starts_at: datetime,
    ends_at: datetime | None,
    form_kind: str,
    form_document=None,
    given_by: str = Consent.GivenBy.PERSON,
    representative_name: str = "",
    representative_authority: str = "",
    acting_user,
    request=None,
) -> Consent:
    _same_program(person, acting_user)
    if not acting_user.has_role(*CONSENT_RECORDERS):
        raise PermissionDenied(_("Only clinicians, case managers and supervisors record consent."))
    classes = sorted(set(data_classes))
    agencies = list(recipient_agencies)
    kinds = sorted(set(recipient_agency_kinds))
    # A consent may start or end ahead, but not further than the program plans.
    bounds = person.program.time_bounds(timezone.now(), facing=Facing.PLANNED)
    out_of_bounds = {
        name: [problem]
        for name, at in (("starts_at", starts_at), ("ends_at", ends_at))
        if at is not None and (problem := time_problem(at, bounds))
    }
    problems = _consent_problems(
        person=person,
        kind=kind,
        classes=classes,
        agencies=agencies,
        kinds=kinds,
        purpose=purpose,
        starts_at=starts_at,
        ends_at=ends_at,
        form_kind=form_kind,
        form_document=form_document,
        given_by=given_by,
        representative_name=representative_name,
        representative_authority=representative_authority,
    )
    for name, messages in out_of_bounds.items():
        problems.setdefault(name, []).extend(messages)
    if problems:
        # A time outside the bounds is refused as a value off its range is: 422 `invalid`.
        refusal = Invalid if out_of_bounds else DomainError
        raise refusal(_("The consent cannot be recorded as it stands."), fields=problems)
    with transaction.atomic():
        consent = Consent.objects.create(
            person=person,
            kind=kind,
            data_classes=classes,
            recipient_agency_kinds=kinds,
            purpose=purpose,
            purpose_detail=purpose_detail,
            starts_at=starts_at,
            ends_at=ends_at,
            form_kind=form_kind,
            form_document=form_document or "",
            given_by=given_by,
            representative_name=representative_name,
            representative_authority=representative_authority,
            recorded_by=acting_user,
        )
        consent.recipient_agencies.set(agencies)
        events.consent_recorded(consent=consent, actor=_actor(acting_user), request=request)
    return consent


def _consent_problems(
    *,
    person,
    kind,
    classes,
    agencies,
    kinds,
    purpose,
    starts_at,
    ends_at,
    form_kind,
    form_document,
    given_by,
    representative_name,
    representative_authority,
) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}

    def problem(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    if kind not in Consent.Kind.values:
        problem("kind", _("Choose general or Part 2."))
    unknown = [name for name in classes if name not in DataClass.values]
    if unknown:
        problem(
            "data_classes",
            _("Unknown kind of information: %(names)s.") % {"names": ", ".join(unknown)},
        )
    if not classes:
        problem("data_classes", _("Choose at least one kind of information to share."))
    if kind == Consent.Kind.GENERAL and DataClass.SUD_PART2 in classes:
        problem(
            "data_classes",
            _("Substance-use treatment information needs a Part 2 consent of its own."),
        )
    if kind == Consent.Kind.PART2:
        if DataClass.SUD_PART2 not in classes:
            problem(
                "data_classes", _("A Part 2 consent shares substance-use treatment information.")
            )
        if kinds:
            problem(
                "recipient_agency_kinds",
                _("A Part 2 consent names each recipient; a kind of agency is not enough."),
            )
        if ends_at is None:
            problem("ends_at", _("A Part 2 consent must say when it ends."))
    outside = [agency.name for agency in agencies if agency.program_id != person.program_id]
    if outside:
        problem(
            "recipient_agencies",
            _("These agencies are not in the person's program: %(names)s.")
            % {"names": ", ".join(outside)},
        )
    bad_kinds = [name for name in kinds if name not in AgencyKind.values]
    if bad_kinds:
        problem(
            "recipient_agency_kinds",
            _("Unknown kind of agency: %(names)s.") % {"names": ", ".join(bad_kinds)},
        )
    if not agencies and not kinds:
        problem("recipient_agencies", _("Name who may receive the information."))
    if purpose not in Consent.Purpose.values:
        problem("purpose", _("Choose the purpose of the sharing."))
    if starts_at is None:
        problem("starts_at", _("Say from when the consent holds."))
    elif ends_at is not None and ends_at <= starts_at:
        problem("ends_at", _("The consent must end after it starts."))
    if form_kind not in Consent.FormKind.values:
        problem("form_kind", _("Say how the consent was given."))
    elif form_kind == Consent.FormKind.UPLOADED and not form_document:
        problem("form_document", _("Attach the signed document."))
    if given_by == Consent.GivenBy.REPRESENTATIVE and not (
        representative_name.strip() and representative_authority.strip()
    ):
        problem("representative_name", _("Name the representative and their authority."))
    return problems


def revoke_consent(consent: Consent, *, acting_user, note: str = "", request=None) -> Consent:
    _same_program(consent.person, acting_user)
    if not acting_user.has_role(*CONSENT_RECORDERS):
        raise PermissionDenied(
            _("Only clinicians, case managers and supervisors record a revocation.")
        )
    with transaction.atomic():
        consent = Consent.objects.select_for_update().get(pk=consent.pk)
        if consent.revoked_at is not None:
            raise Conflict(_("That consent was already revoked."))
        consent.revoked_at, consent.revoked_by = timezone.now(), acting_user
        consent.revocation_note = note[:300]
        consent.save(update_fields=["revoked_at", "revoked_by", "revocation_note"])
        events.consent_revoked(consent=consent, actor=_actor(acting_user), request=request)
        # The recipients' relations end with it: those resting on it, and those of the
        # agencies it named that were granted before relations rested on a consent.
        end_relations(
            AccessRelation.objects.filter(
                Q(consent=consent)
                | Q(
                    consent__isnull=True,
                    person_id=consent.person_id,
                    kind=AccessRelation.Kind.REFERRAL_RECIPIENT,
                    agency__in=consent.recipient_agencies.all(),
                )
            ),
            reason=AccessRelation.EndReason.CONSENT_REVOKED,
            acting_user=acting_user,
            at=consent.revoked_at,
            detail={"consent": str(consent.pk)},
        )
    return consent


def break_the_glass(
    person, *, acting_user, reason: str, minutes: int = BREAK_GLASS_MINUTES, request=None
) -> BreakGlassGrant:
    _same_program(person, acting_user)
    if not acting_user.has_role(*BREAK_GLASS_ROLES):
        raise PermissionDenied(_("Your role cannot open a record in an emergency."))
    reason = reason.strip()
    if len(reason) < 10:
        raise DomainError(
            _("Say why this is an emergency (at least a sentence)."),
            fields={"reason": [_("Give the reason.")]},
        )
    now = timezone.now()
    with transaction.atomic():
        grant = BreakGlassGrant.objects.create(
            person=person,
            user=acting_user,
            reason=reason,
            granted_at=now,
            expires_at=now + timedelta(minutes=minutes),
        )
        events.break_glass_granted(grant=grant, actor=_actor(acting_user), request=request)
    return grant


def close_expired_grants(*, at: datetime | None = None) -> int:
    """Writes each grant's expiry to the audit log, once."""
    at = at or timezone.now()
    pending = BreakGlassGrant.objects.filter(closed_at__isnull=True, expires_at__lte=at)
    # Every person page calls this: a plain read first, the lock only when there is work.
    if not pending.exists():
        return 0
    with transaction.atomic():
        expired = list(
            BreakGlassGrant.objects.select_for_update().filter(
                closed_at__isnull=True, expires_at__lte=at
            )
        )
        if not expired:
            return 0
        BreakGlassGrant.objects.filter(pk__in=[grant.pk for grant in expired]).update(closed_at=at)
        record_many([events.break_glass_expired(grant=grant) for grant in expired])
    return len(expired)


def review_break_glass(
    grant: BreakGlassGrant, *, acting_user, review: str, note: str = "", request=None
) -> BreakGlassGrant:
    if not acting_user.has_role(*BREAK_GLASS_REVIEWERS):
        raise PermissionDenied(_("Only supervisors review break-the-glass access."))
    _same_program(grant.person, acting_user)
    if grant.user_id == acting_user.pk:
        raise PermissionDenied(_("No one reviews their own emergency access."))
    if review not in BreakGlassGrant.Review.values:
        raise DomainError(_("Mark it appropriate or not."), fields={"review": [review]})
    with transaction.atomic():
        grant = BreakGlassGrant.objects.select_for_update().get(pk=grant.pk)
        if grant.reviewed_at is not None:
            raise Conflict(_("That access was already reviewed."))
        now = timezone.now()
        grant.review, grant.review_note = review, note.strip()
        grant.reviewed_by, grant.reviewed_at = acting_user, now
        fields = ["review", "review_note", "reviewed_by", "reviewed_at"]
        # Access judged not appropriate ends now, not when its hour is up.
        ended = review == BreakGlassGrant.Review.INAPPROPRIATE and grant.expires_at > now
        if ended:
            grant.expires_at = grant.closed_at = max(
                now, grant.granted_at + timedelta(microseconds=1)
            )
            grant.reviewed_at = grant.expires_at
            fields += ["expires_at", "closed_at"]
        grant.save(update_fields=fields)
        events.break_glass_reviewed(
            grant=grant, actor=_actor(acting_user), ended=ended, request=request
        )
    return grant
