"""Programs, the agencies that make them up, and the people who use Coresponder."""

from __future__ import annotations

import logging
import re
import zoneinfo
from datetime import datetime
from functools import cached_property

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coresponder.core.local_time import check_time_zone, zone_named
from coresponder.core.models import BaseModel
from coresponder.core.time_bounds import (
    DEFAULT_EARLIEST_DATE,
    OLDEST_EARLIEST_DATE,
    Facing,
    TimeBounds,
)

log = logging.getLogger(__name__)


class Program(BaseModel):
    """A co-responder program, e.g. a county's, joining several agencies."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    # Every time a person reads or types is on this clock (core/local_time.py).
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="America/Denver",
        validators=[check_time_zone],
        help_text=_("The IANA name of the program's time zone, e.g. America/Denver."),
    )
    earliest_date = models.DateField(
        _("earliest date"),
        default=DEFAULT_EARLIEST_DATE,
        help_text=_(
            "No time before this day (in the program's time zone) is taken in: not by the "
            "intake, the API, a CAD feed or an import. Set it earlier to import older history."
        ),
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(earliest_date__gte=OLDEST_EARLIEST_DATE),
                name="program_earliest_date_sensible",
                violation_error_message=_("The earliest date is 1 January 1900 or later."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def time_bounds(self, now: datetime, *, facing: Facing = Facing.PAST) -> TimeBounds:
        """The times this program takes in at `now`: see `core.time_bounds`."""
        return TimeBounds.of(self.earliest_date, self.zone, now=now, facing=facing)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        try:
            return zone_named(self.time_zone)
        except ValueError:
            # Saved before zones were checked: UTC, which the pages then name, not a 500.
            log.warning("program %s has an unknown time zone %r", self.slug, self.time_zone)
            return zoneinfo.ZoneInfo("UTC")


class AgencyKind(models.TextChoices):
    LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement")
    BEHAVIORAL_HEALTH = "behavioral_health", _("Behavioural health")
    FIRE_EMS = "fire_ems", _("Fire / EMS")
    HOSPITAL = "hospital", _("Hospital")
    COMMUNITY_ORGANIZATION = "community_organization", _("Community organisation")


class Agency(BaseModel):
    Kind = AgencyKind

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="agencies")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=AgencyKind.choices)

    class Meta:
        ordering = ["program", "name"]
        verbose_name_plural = "agencies"
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="agency_unique_name"),
            models.CheckConstraint(
                condition=Q(kind__in=AgencyKind.values), name="agency_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    DISPATCHER = "dispatcher", _("Call-taker / dispatcher")
    OFFICER = "officer", _("Officer")
    CLINICIAN = "clinician", _("Clinician")
    EMT = "emt", _("EMT / paramedic")
    CASE_MANAGER = "case_manager", _("Case manager")
    PARTNER = "partner", _("Partner organisation")
    SUPERVISOR = "supervisor", _("Supervisor")
    EVALUATOR = "evaluator", _("Evaluator")
    ADMINISTRATOR = "administrator", _("Administrator")


class CoresponderUserManager(UserManager):
    def get_queryset(self):
        return super().get_queryset().select_related("agency__program")


class User(AbstractUser):
    """A person who uses Coresponder: belongs to one agency, holds one or more roles."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="users")
    full_name = models.CharField(_("full name"), max_length=200)
    title = models.CharField(_("job title"), max_length=200, blank=True)
    # Empty: the program's. Someone working from another zone may read times on their own.
    time_zone = models.CharField(
        _("time zone"), max_length=64, blank=True, validators=[check_time_zone]
    )

    REQUIRED_FIELDS = ["email", "agency", "full_name"]
    objects = CoresponderUserManager()

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.full_name or self.username

    @cached_property
    def roles(self) -> frozenset[str]:
        return frozenset(self.role_grants.values_list("role", flat=True))

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def program(self) -> Program:
        return self.agency.program

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The clock this user reads and types times on: their own, else the program's."""
        if self.time_zone:
            try:
                return zone_named(self.time_zone)
            except ValueError:
                log.warning("user %s has an unknown time zone %r", self.pk, self.time_zone)
        return self.program.zone

    # Django admin asks these. Administrators, and only they, run the admin.
    def has_perm(self, perm, obj=None) -> bool:
        return self.is_active and self.has_role(Role.ADMINISTRATOR)

    def has_perms(self, perm_list, obj=None) -> bool:
        return all(self.has_perm(perm, obj) for perm in perm_list)

    def has_module_perms(self, app_label) -> bool:
        return self.is_active and self.has_role(Role.ADMINISTRATOR)


class RoleGrant(BaseModel):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)

    class Meta:
        ordering = ["user", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="role_grant_once"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="role_grant_known_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}"


class ApiTokenQuerySet(models.QuerySet):
    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True)

    def for_program(self, program: Program) -> ApiTokenQuerySet:
        return self.filter(agency__program=program)


# A SMART-on-FHIR style scope: the context, a resource type (or every type) and read.
FHIR_SCOPE = re.compile(
    r"^(?P<context>patient|user|system)/(?P<type>\*|[A-Z][A-Za-z]{1,63})\.(?:read|rs)$"
)


def fhir_scope_permits(scopes, resource_type: str) -> bool:
    """Whether any of `scopes` lets its holder ask for `resource_type` (read only). The
    privacy policy still decides each resource: a scope never widens what may be read."""
    for scope in scopes:
        match = FHIR_SCOPE.match(scope) if isinstance(scope, str) else None
        if match and match["type"] in ("*", resource_type):
            return True
    return False


class ApiToken(BaseModel):
    """A machine client's credential, scoped to one agency. Only its hash is kept."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=120)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    # SMART-on-FHIR style scopes for the FHIR API (`patient/*.read`, `system/Patient.read`):
    # which resource types the token may ask for; the privacy policy still decides each one.
    scopes = models.JSONField(_("FHIR scopes"), default=list, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Course(models.TextChoices):
    """What a training record is for. Every course lapses; see docs/training.md."""

    CIT_40 = "cit_40", _("CIT 40-hour course")
    CIT_REFRESHER = "cit_refresher", _("CIT refresher")
    MHFA_8 = "mhfa_8", _("Mental Health First Aid 8-hour")
    MHFA_REFRESHER = "mhfa_refresher", _("MHFA refresher")
    CLINICAL_LICENCE = "clinical_licence", _("Clinical licence (LCSW, LPC, LMFT, psychologist…)")
    EMT_CERTIFICATION = "emt_certification", _("EMT / paramedic certification")


class TrainingRecordQuerySet(models.QuerySet):
    def for_users(self, user_ids) -> TrainingRecordQuerySet:
        return self.filter(user_id__in=user_ids)

    def for_program(self, program: Program) -> TrainingRecordQuerySet:
        return self.filter(user__agency__program=program)


class TrainingRecord(BaseModel):
    """One course completed, licence held or certificate earned by a member of staff.

    `expires_on` is required for every course: MHFA certification lasts three years,
    licences and EMT certifications have renewal dates, and CIT stays current through
    refreshers. So "no expiry date" never means "never expires", and a qualification
    without any record is simply missing. Records are staff information, not a person's
    (client's) record; no privacy class applies.
    """

    Course = Course

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="training_records")
    course = models.CharField(_("course"), max_length=32, choices=Course.choices)
    completed_on = models.DateField(_("completed or issued on"))
    expires_on = models.DateField(_("expires on"))
    provider = models.CharField(_("provider or issuer"), max_length=200)
    certificate_number = models.CharField(_("certificate number"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    objects = TrainingRecordQuerySet.as_manager()

    class Meta:
        # Dispatch asks for the newest change to decide whether to read qualifications again.
        indexes = [models.Index(fields=["updated_at"], name="training_changed")]
        ordering = ["user", "course", "-expires_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(course__in=Course.values), name="training_record_course_known"
            ),
            models.CheckConstraint(
                condition=Q(expires_on__gt=models.F("completed_on")),
                name="training_record_expires_after_completion",
            ),
            models.UniqueConstraint(
                fields=["user", "course", "completed_on"], name="training_record_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_course_display()} ({self.completed_on})"
