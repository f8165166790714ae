"""Audit events of the resource directory. Each function writes exactly one entry.

Directory data names services, not people: an import or export is audited once, for the
whole package, with its counts.
"""

from __future__ import annotations

from coresponder.core.audit import Actor, record

DIRECTORY_IMPORTED = "referrals.directory_imported"
DIRECTORY_EXPORTED = "referrals.directory_exported"


def directory_imported(*, program, actor: Actor, detail: dict) -> None:
    record(
        DIRECTORY_IMPORTED,
        actor=actor,
        object_type="program",
        object_id=program.pk,
        detail=detail,
    )


def directory_exported(*, program, actor: Actor, detail: dict) -> None:
    record(
        DIRECTORY_EXPORTED,
        actor=actor,
        object_type="program",
        object_id=program.pk,
        detail=detail,
    )


# Referrals: each event's object is the person when there is one, so the person's audit
# trail holds the whole loop. Details (the need, the contact) are never copied here.

PARTNER_LINKED = "referrals.partner_linked"
REFERRAL_SENT = "referrals.referral_sent"
INFORMATION_GIVEN = "referrals.information_given"
REFERRAL_MOVED = "referrals.referral_moved"
CAPACITY_UPDATED = "referrals.capacity_updated"
REMINDER_SENT = "referrals.reminder_sent"


def partner_linked(*, link, actor: Actor) -> None:
    record(
        PARTNER_LINKED,
        actor=actor,
        object_type="organization",
        object_id=link.organization_id,
        detail={"agency": link.agency_id},
    )


def _on_referral(action: str, referral, *, actor: Actor, detail: dict, request=None) -> None:
    object_type, object_id = (
        ("person", referral.person_id) if referral.person_id else ("referral", referral.pk)
    )
    record(
        action,
        actor=actor,
        object_type=object_type,
        object_id=object_id,
        detail={
            "referral": str(referral.pk),
            "service": str(referral.service_id),
            "state": referral.state,
            **detail,
        },
        request=request,
    )


def referral_sent(*, referral, actor: Actor, basis: str, request=None) -> None:
    _on_referral(
        REFERRAL_SENT,
        referral,
        actor=actor,
        detail={"agency": referral.agency_id, "voluntary": referral.voluntary, "basis": basis},
        request=request,
    )


def information_given(*, referral, actor: Actor, request=None) -> None:
    _on_referral(INFORMATION_GIVEN, referral, actor=actor, detail={}, request=request)


def referral_moved(*, referral, actor: Actor, from_state: str, request=None) -> None:
    _on_referral(
        REFERRAL_MOVED, referral, actor=actor, detail={"from": from_state}, request=request
    )


def capacity_updated(*, capacity, actor: Actor, request=None) -> None:
    record(
        CAPACITY_UPDATED,
        actor=actor,
        object_type="service",
        object_id=capacity.service_id,
        detail={"available": capacity.available, "maximum": capacity.maximum},
        request=request,
    )


def reminder_sent(*, referral, actor: Actor, recipients: int) -> None:
    _on_referral(REMINDER_SENT, referral, actor=actor, detail={"recipients": recipients})
