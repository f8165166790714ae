"""The resource directory, shaped on Open Referral HSDS 3 (see docs/referrals.md).

Each model is one HSDS table and each field carries the HSDS column's name (a reference
`service_id` is the foreign key `service`), so that `hsds.py`'s column list is also the
map between a package and these tables. A record's identity is its HSDS id within its
program: importing a package again updates the rows it names. Directory data describes
services, not people, so it carries no privacy class. Referrals (at the end) are about
people, and declare theirs.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from coresponder.accounts.models import Program
from coresponder.core.models import BaseModel
from coresponder.core.time_bounds import GivenTimes
from coresponder.privacy.classification import DERIVED, STRUCTURAL, DataClass, PersonData

from .hsds import ID_MAX, NUMBER_DIGITS, NUMBER_PLACES, SHORT_MAX
from .loop import WORDS, State

OPERATIONAL = DataClass.OPERATIONAL
CARE_COORDINATION = DataClass.CARE_COORDINATION


def _short(verbose: str = "", **options) -> models.CharField:
    return models.CharField(verbose or None, max_length=SHORT_MAX, blank=True, **options)


def _text() -> models.TextField:
    return models.TextField(blank=True)


def _number() -> models.DecimalField:
    return models.DecimalField(
        max_digits=NUMBER_DIGITS, decimal_places=NUMBER_PLACES, null=True, blank=True
    )


def _link(to: str, *, required: bool = False, related_name: str = "+") -> models.ForeignKey:
    if required:
        return models.ForeignKey(to, on_delete=models.CASCADE, related_name=related_name)
    return models.ForeignKey(
        to, on_delete=models.SET_NULL, null=True, blank=True, related_name=related_name
    )


class DirectoryRecord(BaseModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    hsds_id = models.CharField(_("HSDS id"), max_length=ID_MAX)

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(
                fields=["program", "hsds_id"], name="%(app_label)s_%(class)s_hsds_id_unique"
            )
        ]

    def __str__(self) -> str:
        return getattr(self, "name", "") or self.hsds_id


class ServiceKind(models.TextChoices):
    CRISIS_STABILIZATION = "crisis_stabilization", _("Crisis stabilisation")
    DETOX = "detox", _("Detox (withdrawal management)")
    SUBSTANCE_USE_TREATMENT = "substance_use_treatment", _("Substance-use treatment")
    INPATIENT_PSYCHIATRIC = "inpatient_psychiatric", _("Inpatient psychiatric")
    OUTPATIENT_THERAPY = "outpatient_therapy", _("Outpatient therapy")
    SUPPORT_GROUP = "support_group", _("Support group")
    SHELTER_HOUSING = "shelter_housing", _("Shelter and housing")
    VETERANS_SERVICES = "veterans_services", _("Veterans' services")
    YOUTH_COUNSELING = "youth_counseling", _("Youth counselling")
    FOOD_BENEFITS = "food_benefits", _("Food and benefits")
    OTHER = "other", _("Other")


# What a referral to each kind of service reveals about the person (docs/privacy.md):
# substance-use treatment is Part 2 (42 CFR Part 2), other health care is care
# coordination; social services (shelter, food, veterans' benefits) reveal nothing more.
SUBSTANCE_USE_KINDS = frozenset({ServiceKind.DETOX, ServiceKind.SUBSTANCE_USE_TREATMENT})
HEALTH_KINDS = frozenset(
    {
        ServiceKind.CRISIS_STABILIZATION,
        ServiceKind.INPATIENT_PSYCHIATRIC,
        ServiceKind.OUTPATIENT_THERAPY,
        ServiceKind.SUPPORT_GROUP,
        ServiceKind.YOUTH_COUNSELING,
    }
)


def revealed_class(service_kind: str, base: str = DataClass.OPERATIONAL) -> str:
    """The class of what a referral to a service of `service_kind` says about a person."""
    if service_kind in SUBSTANCE_USE_KINDS:
        return DataClass.SUD_PART2
    if service_kind in HEALTH_KINDS:
        return DataClass.CARE_COORDINATION
    return base


class Sex(models.TextChoices):
    ANY = "any", _("Any")
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")


class Taxonomy(DirectoryRecord):
    name = _short()
    description = _text()
    uri = _text()
    version = _short()

    class Meta(DirectoryRecord.Meta):
        verbose_name_plural = "taxonomies"


class TaxonomyTerm(DirectoryRecord):
    code = _short()
    name = _short()
    description = _text()
    parent = _link("self", related_name="children")
    taxonomy = _short(_("taxonomy name"))
    language = _text()
    taxonomy_detail = _link(Taxonomy, related_name="terms")
    term_uri = _text()

    class Meta(DirectoryRecord.Meta):
        pass


class Organization(DirectoryRecord):
    name = _short()
    alternate_name = _short()
    description = _text()
    email = _text()
    website = _text()
    tax_status = _short()
    tax_id = _short()
    year_incorporated = models.PositiveSmallIntegerField(null=True, blank=True)
    legal_status = _short()
    logo = _text()
    uri = _text()
    parent_organization = _link("self", related_name="children")

    class Meta(DirectoryRecord.Meta):
        pass


class Location(DirectoryRecord):
    class Type(models.TextChoices):
        PHYSICAL = "physical", _("Physical")
        POSTAL = "postal", _("Postal")
        VIRTUAL = "virtual", _("Virtual")

    location_type = models.CharField(max_length=16, choices=Type.choices)
    url = _text()
    organization = _link(Organization, related_name="locations")
    name = _short()
    alternate_name = _short()
    description = _text()
    transportation = _text()
    latitude = _number()
    longitude = _number()
    external_identifier = _short()
    external_identifier_type = _short()

    class Meta(DirectoryRecord.Meta):
        # Matching reads the locations near the person: a box on the coordinates.
        indexes = [models.Index(fields=["program", "latitude", "longitude"], name="location_place")]


class Unit(DirectoryRecord):
    """What a capacity counts: beds, same-day slots, places (HSDS 3.1 `unit`)."""

    name = _short()
    scheme = _short()
    identifier = _short()
    uri = _text()

    class Meta(DirectoryRecord.Meta):
        pass


class Service(DirectoryRecord):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        INACTIVE = "inactive", _("Inactive")
        DEFUNCT = "defunct", _("Defunct")
        TEMPORARILY_CLOSED = "temporarily closed", _("Temporarily closed")

    Kind = ServiceKind

    organization = _link(Organization, required=True, related_name="services")
    name = _short()
    alternate_name = _short()
    description = _text()
    url = _text()
    email = _text()
    status = models.CharField(max_length=32, choices=Status.choices)
    interpretation_services = _text()
    application_process = _text()
    fees_description = _text()
    accreditations = _text()
    eligibility_description = _text()
    minimum_age = models.PositiveIntegerField(null=True, blank=True)
    maximum_age = models.PositiveIntegerField(null=True, blank=True)
    assured_date = models.DateField(null=True, blank=True)
    assurer_email = _text()
    alert = _text()
    # Coresponder's structured extras (x_ columns in a package).
    kind = models.CharField(max_length=32, choices=ServiceKind.choices, default=ServiceKind.OTHER)
    veterans = models.BooleanField(_("for veterans"), null=True, blank=True)
    sex = models.CharField(_("eligible sex"), max_length=8, choices=Sex.choices, blank=True)
    insurance_accepted = _text()

    class Meta(DirectoryRecord.Meta):
        constraints = [
            *DirectoryRecord.Meta.constraints,
            models.CheckConstraint(
                condition=Q(minimum_age__isnull=True)
                | Q(maximum_age__isnull=True)
                | Q(minimum_age__lte=F("maximum_age")),
                name="referrals_service_ages_in_order",
            ),
        ]


class ServiceAtLocation(DirectoryRecord):
    service = _link(Service, required=True, related_name="service_at_locations")
    location = _link(Location, required=True, related_name="service_at_locations")
    description = _text()

    class Meta(DirectoryRecord.Meta):
        pass


class Phone(DirectoryRecord):
    location = _link(Location, related_name="phones")
    service = _link(Service, related_name="phones")
    organization = _link(Organization, related_name="phones")
    service_at_location = _link(ServiceAtLocation, related_name="phones")
    number = _short()
    extension = models.CharField(max_length=20, blank=True)
    type = _short()
    description = _text()

    class Meta(DirectoryRecord.Meta):
        pass


class Schedule(DirectoryRecord):
    """Opening hours as an RFC 5545 recurrence, as HSDS 3 holds them."""

    service = _link(Service, related_name="schedules")
    location = _link(Location, related_name="schedules")
    service_at_location = _link(ServiceAtLocation, related_name="schedules")
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    dtstart = models.DateField(null=True, blank=True)
    timezone = _number()
    until = models.DateField(null=True, blank=True)
    count = models.PositiveIntegerField(null=True, blank=True)
    wkst = models.CharField(max_length=2, blank=True)
    freq = models.CharField(
        max_length=8, blank=True, choices=[("WEEKLY", "WEEKLY"), ("MONTHLY", "MONTHLY")]
    )
    interval = models.PositiveIntegerField(null=True, blank=True)
    byday = _text()
    byweekno = _text()
    bymonthday = _text()
    byyearday = _text()
    description = _text()
    opens_at = models.TimeField(null=True, blank=True)
    closes_at = models.TimeField(null=True, blank=True)
    schedule_link = _text()
    attending_type = _text()
    notes = _text()

    class Meta(DirectoryRecord.Meta):
        pass


class ServiceArea(DirectoryRecord):
    service = _link(Service, related_name="service_areas")
    name = _text()
    description = _text()
    extent = _text()
    extent_type = _short()
    uri = _text()

    class Meta(DirectoryRecord.Meta):
        pass


class Language(DirectoryRecord):
    service = _link(Service, related_name="languages")
    location = _link(Location, related_name="languages")
    phone = _link(Phone, related_name="languages")
    name = _short()
    code = _text()
    note = _text()

    class Meta(DirectoryRecord.Meta):
        pass


class Accessibility(DirectoryRecord):
    location = _link(Location, related_name="accessibility")
    description = _text()
    details = _text()
    url = _text()

    class Meta(DirectoryRecord.Meta):
        verbose_name_plural = "accessibility"


class Address(DirectoryRecord):
    location = _link(Location, related_name="addresses")
    attention = _short()
    address_1 = _short()
    address_2 = _short()
    city = _short()
    region = _short()
    state_province = _short()
    postal_code = _short()
    country = models.CharField(max_length=2)
    address_type = models.CharField(max_length=16, choices=Location.Type.choices)

    class Meta(DirectoryRecord.Meta):
        verbose_name_plural = "addresses"


class CostOption(DirectoryRecord):
    service = _link(Service, required=True, related_name="cost_options")
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    option = _text()
    currency = models.CharField(max_length=3, blank=True)
    amount = _number()
    amount_description = _text()

    class Meta(DirectoryRecord.Meta):
        pass


class RequiredDocument(DirectoryRecord):
    service = _link(Service, related_name="required_documents")
    document = _text()
    uri = _text()

    class Meta(DirectoryRecord.Meta):
        pass


class Attribute(DirectoryRecord):
    """A taxonomy term said of any record: `link_id` names a row of the `link_entity` table."""

    link_id = models.CharField(max_length=ID_MAX)
    taxonomy_term = _link(TaxonomyTerm, required=True, related_name="attributes")
    link_type = _short()
    link_entity = _short()
    value = _text()

    class Meta(DirectoryRecord.Meta):
        pass


class ServiceCapacity(DirectoryRecord):
    """How much of a service is free now (HSDS 3.1 `service_capacity`)."""

    service = _link(Service, required=True, related_name="capacities")
    unit = _link(Unit, required=True, related_name="capacities")
    available = models.PositiveIntegerField()
    maximum = models.PositiveIntegerField(null=True, blank=True)
    description = _text()
    updated = models.DateTimeField()

    class Meta(DirectoryRecord.Meta):
        verbose_name_plural = "service capacities"
        constraints = [
            *DirectoryRecord.Meta.constraints,
            models.CheckConstraint(
                condition=Q(maximum__isnull=True) | Q(available__lte=F("maximum")),
                name="referrals_capacity_within_maximum",
            ),
        ]


# The model of each HSDS table, in hsds.TABLES's order.
MODELS: dict[str, type[DirectoryRecord]] = {
    "taxonomy": Taxonomy,
    "taxonomy_term": TaxonomyTerm,
    "organization": Organization,
    "location": Location,
    "unit": Unit,
    "service": Service,
    "service_at_location": ServiceAtLocation,
    "phone": Phone,
    "schedule": Schedule,
    "service_area": ServiceArea,
    "language": Language,
    "accessibility": Accessibility,
    "address": Address,
    "cost_option": CostOption,
    "required_document": RequiredDocument,
    "attribute": Attribute,
    "service_capacity": ServiceCapacity,
}


# Referrals ------------------------------------------------------------------------------
# Everything above describes services; what follows is about people. A referral is a
# person's information, so each field declares its privacy class (docs/privacy.md).


class PartnerLink(BaseModel):
    """A directory organisation that is also one of the program's partner agencies.

    The agency's users and API tokens act for the organisation: they receive its
    referrals, answer them and update its services' capacity. Kept apart from
    `Organization` so that the HSDS tables stay exactly the spec's.
    """

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="partner_link"
    )
    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="partner_organizations"
    )

    def __str__(self) -> str:
        return f"{self.organization} ↔ {self.agency}"


REFERRAL_STATES = [(state.value, WORDS[state]) for state in State]


class Referral(PersonData, BaseModel):
    """A referral of a person to a directory service, and its closed loop."""

    class Kind(models.TextChoices):
        REFERRAL = "referral", _("Referral")
        INFORMATION_GIVEN = "information_given", _("Information given")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    encounter = models.ForeignKey(
        "encounters.Encounter",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="referrals"
    )
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="referrals")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="referrals"
    )
    # The partner agency it was sent to; empty when only information was given.
    agency = models.ForeignKey(
        "accounts.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals_received",
    )
    kind = models.CharField(max_length=24, choices=Kind.choices, default=Kind.REFERRAL)
    voluntary = models.BooleanField(_("voluntary"), default=True)
    state = models.CharField(max_length=24, choices=REFERRAL_STATES, default=State.SENT.value)
    need = models.TextField(_("what the person needs"), blank=True)
    contact = models.TextField(_("how to reach the person for follow-up"), blank=True)
    appointment_at = models.DateTimeField(_("appointment"), null=True, blank=True)
    decline_reason = models.CharField(_("reason declined"), max_length=300, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField()
    moved_at = models.DateTimeField()
    reminded_at = models.DateTimeField(null=True, blank=True)

    # What a referral says depends on where it sends the person: to a substance-use
    # service it says they have a substance-use disorder (Part 2), to another health
    # service that they receive health care (care coordination). Its service, state and
    # details are therefore DERIVED: `derived_class` below, applied by the read gate.
    privacy_classes = {
        "id": STRUCTURAL,
        "program": STRUCTURAL,
        "encounter": STRUCTURAL,
        "person": STRUCTURAL,
        "service": DERIVED,
        "organization": DERIVED,
        "agency": STRUCTURAL,
        "kind": DERIVED,
        "voluntary": DERIVED,
        "state": DERIVED,
        "need": DERIVED,
        "contact": DERIVED,
        "appointment_at": DERIVED,
        "decline_reason": DERIVED,
        "sent_by": STRUCTURAL,
        "sent_at": STRUCTURAL,
        "moved_at": STRUCTURAL,
        "reminded_at": STRUCTURAL,
        "created_at": STRUCTURAL,
        "updated_at": STRUCTURAL,
    }
    # The class of each DERIVED field when the service reveals nothing more (a shelter).
    base_classes = {
        "service": OPERATIONAL,
        "organization": OPERATIONAL,
        "kind": OPERATIONAL,
        "voluntary": OPERATIONAL,
        "state": OPERATIONAL,
        "need": CARE_COORDINATION,
        "contact": CARE_COORDINATION,
        "appointment_at": OPERATIONAL,
        "decline_reason": OPERATIONAL,
    }

    # Times given from outside, held to the program's bounds (core.time_bounds).
    given_times = GivenTimes(program="program", planned=("appointment_at",))

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=[state.value for state in State]),
                name="referral_state_known",
            ),
            # A referral goes to a person's partner; information given sends nothing and
            # holds no care-coordination details.
            models.CheckConstraint(
                condition=(
                    Q(kind="referral", person__isnull=False, agency__isnull=False)
                    & ~Q(state="information_given")
                )
                | Q(
                    kind="information_given",
                    state="information_given",
                    agency__isnull=True,
                    need="",
                    contact="",
                ),
                name="referral_kind_consistent",
            ),
            models.CheckConstraint(
                condition=~Q(state="scheduled") | Q(appointment_at__isnull=False),
                name="referral_scheduled_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(state="declined") | ~Q(decline_reason=""),
                name="referral_declined_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "state"], name="referral_agency_state"),
            models.Index(fields=["state", "sent_at"], name="referral_state_sent"),
        ]

    def __str__(self) -> str:
        return f"referral to {self.service_id} ({self.state})"

    def derived_class(self, field_name: str, *, reader_agency_id) -> str:
        """Part 2 for a substance-use service, care coordination for another health
        service, else the field's base class. The agency the referral was sent to holds
        it (it is that service): it reads it at the base classes."""
        base = self.base_classes[field_name]
        if reader_agency_id is not None and reader_agency_id == self.agency_id:
            return base
        return revealed_class(self.service.kind, base)


class ReferralEvent(PersonData, models.Model):
    """One move of a referral's loop: from, to, when, by whom (a user or an agency's token)."""

    id = models.BigAutoField(primary_key=True)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=24, choices=REFERRAL_STATES, blank=True)
    to_state = models.CharField(max_length=24, choices=REFERRAL_STATES)
    at = models.DateTimeField()
    by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    by_token = models.ForeignKey(
        "accounts.ApiToken", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    by_name = models.CharField(max_length=200)
    note = models.TextField(blank=True)

    # A move says what its referral says: derived as the referral's state (the note as
    # its need).
    privacy_classes = {
        "id": STRUCTURAL,
        "referral": STRUCTURAL,
        "from_state": DERIVED,
        "to_state": DERIVED,
        "at": STRUCTURAL,
        "by_user": STRUCTURAL,
        "by_token": STRUCTURAL,
        "by_name": DERIVED,
        "note": DERIVED,
    }
    as_referral = {"from_state": "state", "to_state": "state", "by_name": "state", "note": "need"}

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(by_user__isnull=True) | Q(by_token__isnull=True),
                name="referral_event_one_actor",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_state or '—'} → {self.to_state}"

    def derived_class(self, field_name: str, *, reader_agency_id) -> str:
        return self.referral.derived_class(
            self.as_referral[field_name], reader_agency_id=reader_agency_id
        )


DEFAULT_DAYS_AFTER_ATTENDED = 14


class ReferralSettings(BaseModel):
    """A program's referral numbers; a program without a row has the defaults."""

    program = models.OneToOneField(
        Program, on_delete=models.CASCADE, related_name="referral_settings"
    )
    # The partner may record what followed an attended appointment for a while; then its
    # access to the person ends (privacy: a referral recipient's relation).
    days_after_attended = models.PositiveSmallIntegerField(
        _("partner's access lasts after an attended appointment (days)"),
        default=DEFAULT_DAYS_AFTER_ATTENDED,
    )

    class Meta:
        verbose_name = _("referral settings")
        verbose_name_plural = _("referral settings")

    def __str__(self) -> str:
        return f"referral settings of {self.program}"

    @classmethod
    def days_after_attended_of(cls, program_id) -> int:
        row = cls.objects.filter(program_id=program_id).values_list(
            "days_after_attended", flat=True
        )
        return next(iter(row), DEFAULT_DAYS_AFTER_ATTENDED)
