"""Audit events of privacy: reads of persons, consents, relations, break-the-glass."""

from __future__ import annotations

from coresponder.core.audit import Actor, Pending, record

PERSON_READ = "privacy.person_read"
CONSENT_RECORDED = "privacy.consent_recorded"
CONSENT_REVOKED = "privacy.consent_revoked"
RELATION_GRANTED = "privacy.relation_granted"
RELATION_ENDED = "privacy.relation_ended"
BREAK_GLASS_GRANTED = "privacy.break_glass_granted"
BREAK_GLASS_EXPIRED = "privacy.break_glass_expired"
BREAK_GLASS_REVIEWED = "privacy.break_glass_reviewed"


def person_reads(*, actor: Actor, shown: list[dict], channel: str) -> list[Pending]:
    """One entry per person shown. `shown` items: person_id, classes {class: basis},
    disclosed (classes shown outside the agency that holds them), part2 (notice given)."""
    return [
        Pending(
            PERSON_READ,
            actor,
            object_type="person",
            object_id=item["person_id"],
            fields=list(item["classes"]),
            detail={
                "channel": channel,
                "basis": ";".join(
                    f"{cls}={basis}" for cls, basis in sorted(item["classes"].items())
                ),
                "disclosed": ",".join(sorted(item["disclosed"])),
                "part2_notice": bool(item["part2"]),
            },
        )
        for item in shown
    ]


def consent_recorded(*, consent, actor: Actor, request=None) -> None:
    record(
        CONSENT_RECORDED,
        actor=actor,
        object_type="person",
        object_id=consent.person_id,
        fields=list(consent.data_classes),
        request=request,
        detail={"consent": str(consent.pk), "kind": consent.kind},
    )


def consent_revoked(*, consent, actor: Actor, request=None) -> None:
    record(
        CONSENT_REVOKED,
        actor=actor,
        object_type="person",
        object_id=consent.person_id,
        fields=list(consent.data_classes),
        request=request,
        detail={"consent": str(consent.pk), "kind": consent.kind},
    )


def relation_granted(*, relation, actor: Actor) -> None:
    record(
        RELATION_GRANTED,
        actor=actor,
        object_type="person",
        object_id=relation.person_id,
        detail={
            "relation": str(relation.pk),
            "kind": relation.kind,
            "user": relation.user_id,
            "agency": relation.agency_id,
            "source": relation.source,
            "consent": str(relation.consent_id) if relation.consent_id else None,
        },
    )


def relation_ended(*, relation, actor: Actor, reason: str, detail: dict | None = None) -> Pending:
    """One entry per relation ended: which, whose, why, and from when (an attended
    referral's relation ends after the program's grace period, so later than written)."""
    return Pending(
        RELATION_ENDED,
        actor,
        object_type="person",
        object_id=relation.person_id,
        detail={
            "relation": str(relation.pk),
            "kind": relation.kind,
            "user": relation.user_id,
            "agency": relation.agency_id,
            "reason": reason,
            "ends_at": relation.ends_at.isoformat(),
            **(detail or {}),
        },
    )


def break_glass_granted(*, grant, actor: Actor, request=None) -> None:
    record(
        BREAK_GLASS_GRANTED,
        actor=actor,
        object_type="person",
        object_id=grant.person_id,
        request=request,
        detail={
            "grant": str(grant.pk),
            "reason": grant.reason[:500],
            "expires_at": grant.expires_at.isoformat(),
        },
    )


def break_glass_expired(*, grant) -> Pending:
    return Pending(
        BREAK_GLASS_EXPIRED,
        Actor.system(),
        object_type="person",
        object_id=grant.person_id,
        detail={
            "grant": str(grant.pk),
            "user": grant.user_id,
            "expired_at": grant.expires_at.isoformat(),
        },
    )


def break_glass_reviewed(*, grant, actor: Actor, ended: bool = False, request=None) -> None:
    """The verdict; a grant judged not appropriate while it ran ends with it (`ended_at`)."""
    detail = {"grant": str(grant.pk), "review": grant.review, "note": grant.review_note[:500]}
    if ended:
        detail["ended_at"] = grant.expires_at.isoformat()
    record(
        BREAK_GLASS_REVIEWED,
        actor=actor,
        object_type="person",
        object_id=grant.person_id,
        request=request,
        detail=detail,
    )
