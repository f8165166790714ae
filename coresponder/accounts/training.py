"""Who must hold which qualification, and whether they do.

Pure functions over plain data, except `qualifications_for`, which reads any number of
users' records in one query (dispatch asks it for every on-duty responder at once).
The requirements are data (`REQUIREMENTS`, `RULES`): a program that asks more or less of
a role changes them here, or passes its own to `compliance`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple, Protocol

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .models import Course, Role, TrainingRecord

WARN_DAYS = 30


class Qualification(models.TextChoices):
    CIT = "cit", gettext_lazy("CIT certification")
    MHFA = "mhfa", gettext_lazy("Mental Health First Aid")
    CLINICAL_LICENCE = "clinical_licence", gettext_lazy("Clinical licence")
    EMT_CERTIFICATION = "emt_certification", gettext_lazy("EMT / paramedic certification")


@dataclass(frozen=True)
class Rule:
    """Held once a `founding` course is completed; current until the latest expiry among
    the `counting` courses (the founding course and its refreshers)."""

    founding: str
    counting: frozenset[str]


RULES: Mapping[str, Rule] = {
    Qualification.CIT: Rule(Course.CIT_40, frozenset({Course.CIT_40, Course.CIT_REFRESHER})),
    Qualification.MHFA: Rule(Course.MHFA_8, frozenset({Course.MHFA_8, Course.MHFA_REFRESHER})),
    Qualification.CLINICAL_LICENCE: Rule(
        Course.CLINICAL_LICENCE, frozenset({Course.CLINICAL_LICENCE})
    ),
    Qualification.EMT_CERTIFICATION: Rule(
        Course.EMT_CERTIFICATION, frozenset({Course.EMT_CERTIFICATION})
    ),
}

# What each role must hold. A person with several roles needs what each of them needs.
# Dispatchers: CIT, as many programs train their call-takers in the 40-hour course.
# Supervisors and case managers: nothing of their own; a supervisor who also works in the
# field holds that field role too and needs what it needs. Partners, evaluators and
# administrators are not program staff and are not listed.
REQUIREMENTS: Mapping[str, tuple[str, ...]] = {
    Role.DISPATCHER: (Qualification.CIT,),
    Role.OFFICER: (Qualification.CIT, Qualification.MHFA),
    Role.CLINICIAN: (Qualification.CLINICAL_LICENCE, Qualification.MHFA),
    Role.EMT: (Qualification.EMT_CERTIFICATION, Qualification.MHFA),
    Role.CASE_MANAGER: (),
    Role.SUPERVISOR: (),
}
# The compliance page lists those holding a role named above: the program's staff.
STAFF_ROLES: tuple[str, ...] = tuple(REQUIREMENTS)


class Held(Protocol):
    course: str
    completed_on: date
    expires_on: date


class Record(NamedTuple):
    """A training record as far as these decisions need it."""

    course: str
    completed_on: date
    expires_on: date


@dataclass(frozen=True)
class Qualifications:
    """The date each qualification lapses after, or None when it was never gained."""

    cit_expires: date | None = None
    mhfa_expires: date | None = None
    licence_expires: date | None = None
    emt_expires: date | None = None

    def expires(self, qualification: str) -> date | None:
        return getattr(self, _FIELD[qualification])

    def current(self, qualification: str, today: date) -> bool:
        expires = self.expires(qualification)
        return expires is not None and expires >= today

    def cit_current(self, today: date) -> bool:
        return self.current(Qualification.CIT, today)

    def mhfa_current(self, today: date) -> bool:
        return self.current(Qualification.MHFA, today)

    def licensed(self, today: date) -> bool:
        return self.current(Qualification.CLINICAL_LICENCE, today)

    def emt_certified(self, today: date) -> bool:
        return self.current(Qualification.EMT_CERTIFICATION, today)


_FIELD = {
    Qualification.CIT: "cit_expires",
    Qualification.MHFA: "mhfa_expires",
    Qualification.CLINICAL_LICENCE: "licence_expires",
    Qualification.EMT_CERTIFICATION: "emt_expires",
}


def _expiry(rule: Rule, records: Sequence[Held]) -> date | None:
    if not any(record.course == rule.founding for record in records):
        return None
    return max(record.expires_on for record in records if record.course in rule.counting)


def _completed_by(records: Iterable[Held], today: date) -> list[Held]:
    # A record completed after `today` did not count yet on that day.
    return [record for record in records if record.completed_on <= today]


def qualifications_from(records: Iterable[Held], today: date) -> Qualifications:
    done = _completed_by(records, today)
    return Qualifications(
        **{_FIELD[key]: _expiry(rule, done) for key, rule in RULES.items()},
    )


def qualifications_for(user_ids: Iterable[int], *, today: date) -> dict[int, Qualifications]:
    """Every given user's qualifications as of `today`, in one query however many users.

    Each id given is in the answer; one without records has an empty `Qualifications`.
    """
    ids = set(user_ids)
    if not ids:
        return {}
    by_user: dict[int, list[Record]] = defaultdict(list)
    rows = (
        TrainingRecord.objects.for_users(ids)
        .filter(completed_on__lte=today)
        .order_by()
        .values_list("user_id", "course", "completed_on", "expires_on")
    )
    for user_id, course, completed_on, expires_on in rows:
        by_user[user_id].append(Record(course, completed_on, expires_on))
    return {user_id: qualifications_from(by_user.get(user_id, ()), today) for user_id in ids}


def expiry_expression(qualification: str, user: Any, today: date) -> models.Expression:
    """The date the qualification lapses after, for the user `user` refers to, in SQL.

    The same rule as `qualifications_from`, for queries that read many teams' members at
    once (dispatch's recommendation): NULL when the founding course was never completed.
    """
    rule = RULES[qualification]
    records = TrainingRecord.objects.filter(user=user, completed_on__lte=today).order_by()
    latest = (
        records.filter(course__in=rule.counting)
        .values("user")
        .annotate(latest=models.Max("expires_on"))
        .values("latest")[:1]
    )
    return models.Case(
        models.When(
            models.Exists(records.filter(course=rule.founding)), then=models.Subquery(latest)
        ),
        default=None,
        output_field=models.DateField(),
    )


def today_in(program) -> date:
    """Today's date where the program works: expiry dates are the program's calendar days."""
    return timezone.localdate(timezone=program.zone)


# Compliance: for each person, each required qualification in words.


class Standing(models.TextChoices):
    CURRENT = "current", gettext_lazy("current")
    EXPIRING = "expiring", gettext_lazy("expires soon")
    EXPIRED = "expired", gettext_lazy("expired")
    MISSING = "missing", gettext_lazy("missing")


class Status(models.TextChoices):
    """A person's standing overall: their worst qualification's."""

    OUT_OF_DATE = "out_of_date", gettext_lazy("Out of date")
    EXPIRING = "expiring", gettext_lazy("Expiring soon")
    CURRENT = "current", gettext_lazy("Current")
    NOTHING_REQUIRED = "nothing_required", gettext_lazy("Nothing required")


_SEVERITY = {Standing.EXPIRED: 0, Standing.MISSING: 0, Standing.EXPIRING: 1, Standing.CURRENT: 2}
_ORDER = {
    Status.OUT_OF_DATE: 0,
    Status.EXPIRING: 1,
    Status.CURRENT: 2,
    Status.NOTHING_REQUIRED: 3,
}


@dataclass(frozen=True)
class Check:
    qualification: str
    standing: str  # a Standing
    expires_on: date | None
    days_left: int | None  # negative once expired
    required_by: tuple[str, ...]  # the roles that need it
    reason: str

    @property
    def label(self) -> str:
        return Qualification(self.qualification).label

    @property
    def standing_label(self) -> str:
        return Standing(self.standing).label

    @property
    def is_gap(self) -> bool:
        return self.standing != Standing.CURRENT


@dataclass(frozen=True)
class PersonCompliance:
    user: Any
    roles: tuple[str, ...]
    checks: tuple[Check, ...]
    status: str  # a Status

    @property
    def gaps(self) -> tuple[Check, ...]:
        return tuple(check for check in self.checks if check.is_gap)

    @property
    def role_labels(self) -> tuple[str, ...]:
        return tuple(Role(role).label for role in self.roles if role in Role.values)

    @property
    def status_label(self) -> str:
        return Status(self.status).label


def requirements_in_words(
    requirements: Mapping[str, tuple[str, ...]] = REQUIREMENTS,
) -> list[tuple[str, list[str]]]:
    """Each staff role's label with the labels of what it needs, for the page."""
    return [
        (Role(role).label, [Qualification(key).label for key in needed])
        for role, needed in sorted(requirements.items(), key=lambda item: _role_order(item[0]))
    ]


def required_of(roles: Iterable[str], requirements=REQUIREMENTS) -> dict[str, tuple[str, ...]]:
    """Each qualification the roles need, with the roles that need it, in a stable order."""
    needed: dict[str, list[str]] = {}
    for role in sorted(set(roles), key=_role_order):
        for qualification in requirements.get(role, ()):
            needed.setdefault(qualification, []).append(role)
    order = list(Qualification.values)
    return {key: tuple(needed[key]) for key in sorted(needed, key=order.index)}


def _role_order(role: str) -> int:
    return Role.values.index(role) if role in Role.values else len(Role.values)


def check(
    qualification: str,
    records: Sequence[Held],
    today: date,
    *,
    required_by: tuple[str, ...] = (),
    warn_days: int = WARN_DAYS,
) -> Check:
    """One qualification's standing on `today`, with the reason in words."""
    rule = RULES[qualification]
    done = _completed_by(records, today)
    expires = _expiry(rule, done)
    label = Qualification(qualification).label
    if expires is None:
        founding = Course(rule.founding).label
        if any(record.course in rule.counting for record in done):
            reason = _("%(qualification)s missing: a refresher is recorded but no %(course)s.")
        else:
            reason = _("%(qualification)s missing: no %(course)s recorded.")
        return Check(
            qualification,
            Standing.MISSING,
            None,
            None,
            required_by,
            reason % {"qualification": label, "course": founding},
        )
    days_left = (expires - today).days
    words = {"qualification": label, "date": expires.isoformat(), "days": days_left}
    if days_left < 0:
        standing, reason = Standing.EXPIRED, _("%(qualification)s expired on %(date)s.") % words
    elif days_left == 0:
        standing = Standing.EXPIRING
        reason = _("%(qualification)s expires soon (today, %(date)s).") % words
    elif days_left <= warn_days:
        standing = Standing.EXPIRING
        reason = (
            ngettext(
                "%(qualification)s expires soon (in %(days)d day, on %(date)s).",
                "%(qualification)s expires soon (in %(days)d days, on %(date)s).",
                days_left,
            )
            % words
        )
    else:
        standing = Standing.CURRENT
        reason = _("%(qualification)s current until %(date)s.") % words
    return Check(qualification, standing, expires, days_left, required_by, reason)


def _status(checks: Sequence[Check]) -> str:
    if not checks:
        return Status.NOTHING_REQUIRED
    standings = {item.standing for item in checks}
    if standings & {Standing.EXPIRED, Standing.MISSING}:
        return Status.OUT_OF_DATE
    if Standing.EXPIRING in standings:
        return Status.EXPIRING
    return Status.CURRENT


def compliance(
    users_with_roles_and_records: Iterable[tuple[Any, Iterable[str], Iterable[Held]]],
    today: date,
    warn_days: int = WARN_DAYS,
    *,
    requirements: Mapping[str, tuple[str, ...]] = REQUIREMENTS,
) -> list[PersonCompliance]:
    """Each person's required qualifications on `today` (their gaps first), most urgent
    person first.

    Out of date first, then expiring soon, then current, then those of whom nothing is
    required. Within each, the earliest date among a person's gaps (or, for those without
    gaps, among their qualifications) comes first, so the longest lapsed and the soonest
    to lapse lead; someone with only missing qualifications follows those who lapsed.
    Otherwise in the order given.
    """
    people = []
    for user, given_roles, given_records in users_with_roles_and_records:
        records = list(given_records)
        roles = tuple(sorted(set(given_roles), key=_role_order))
        checks = tuple(
            sorted(
                (
                    check(key, records, today, required_by=needed_by, warn_days=warn_days)
                    for key, needed_by in required_of(roles, requirements).items()
                ),
                key=lambda item: _SEVERITY[item.standing],
            )
        )
        people.append(PersonCompliance(user, roles, checks, _status(checks)))
    return sorted(people, key=lambda person: (_ORDER[person.status], _urgency(person)))


def _urgency(person: PersonCompliance) -> date:
    checks = person.gaps or person.checks
    return min((item.expires_on for item in checks if item.expires_on), default=date.max)
