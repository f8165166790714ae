"""The person index: who a person in crisis is, and what the program knows of them.

Each field declares its privacy class next to it (`privacy_classes`); what a user sees of
a person is decided by `privacy.policy`, never by a template.
"""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coresponder.accounts.models import Agency, Program
from coresponder.core.models import BaseModel
from coresponder.privacy.classification import BY_ROW, STRUCTURAL, DataClass, PersonData

from .querysets import PersonQuerySet

OPERATIONAL = DataClass.OPERATIONAL
PUBLIC_SAFETY = DataClass.PUBLIC_SAFETY
CLINICAL = DataClass.CLINICAL
SUD_PART2 = DataClass.SUD_PART2
CARE_COORDINATION = DataClass.CARE_COORDINATION


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    INTERSEX = "intersex", _("Intersex")
    UNKNOWN = "unknown", _("Unknown")


class VeteranStatus(models.TextChoices):
    VETERAN = "veteran", _("Veteran")
    NOT_VETERAN = "not_veteran", _("Not a veteran")
    UNKNOWN = "unknown", _("Unknown")


class PersonFlag(models.TextChoices):
    FREQUENT_CONTACT = "frequent_contact", _("Frequent contact")
    UNHOUSED = "unhoused", _("Unhoused")
    INTERPRETER_NEEDED = "interpreter_needed", _("Needs an interpreter")
    DEAF_OR_HARD_OF_HEARING = "deaf_or_hard_of_hearing", _("Deaf or hard of hearing")
    DEVELOPMENTAL_DISABILITY = "developmental_disability", _("Developmental disability")


class Person(PersonData, BaseModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="persons")
    # The agency that registered the person holds the record; reads by others are disclosures.
    registered_by_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    birth_date_estimated = models.BooleanField(_("date of birth is an estimate"), default=False)
    sex = models.CharField(_("sex"), max_length=16, choices=Sex.choices, default=Sex.UNKNOWN)
    gender_identity = models.CharField(_("gender identity"), max_length=80, blank=True)
    pronouns = models.CharField(_("pronouns"), max_length=40, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    veteran_status = models.CharField(
        _("veteran status"),
        max_length=16,
        choices=VeteranStatus.choices,
        default=VeteranStatus.UNKNOWN,
    )
    flags = models.JSONField(_("flags"), default=list, blank=True)
    safety_concerns = models.TextField(_("safety concerns"), blank=True)
    clinical_summary = models.TextField(_("clinical summary"), blank=True)
    substance_use_treatment = models.TextField(_("substance-use treatment"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    follow_up_needs = models.TextField(_("follow-up needs"), blank=True)
    # Counts edits: an edit made from an older revision is refused, not silently merged.
    revision = models.PositiveIntegerField(default=1)

    privacy_classes = {
        "id": STRUCTURAL,
        "program": STRUCTURAL,
        "registered_by_agency": STRUCTURAL,
        "created_at": STRUCTURAL,
        "updated_at": STRUCTURAL,
        "date_of_birth": OPERATIONAL,
        "birth_date_estimated": OPERATIONAL,
        "sex": OPERATIONAL,
        "gender_identity": OPERATIONAL,
        "pronouns": OPERATIONAL,
        "languages": OPERATIONAL,
        "veteran_status": OPERATIONAL,
        "flags": OPERATIONAL,
        "safety_concerns": PUBLIC_SAFETY,
        "clinical_summary": CLINICAL,
        "substance_use_treatment": SUD_PART2,
        "phone": CARE_COORDINATION,
        "email": CARE_COORDINATION,
        "follow_up_needs": CARE_COORDINATION,
        "revision": STRUCTURAL,
    }

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["program", "date_of_birth"], name="person_dob")]

    def __str__(self) -> str:
        return f"person {self.pk}"


class NameKind(models.TextChoices):
    LEGAL = "legal", _("Legal name")
    PREFERRED = "preferred", _("Preferred name")
    ALIAS = "alias", _("Alias / also known as")


class PersonName(PersonData, BaseModel):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="names")
    kind = models.CharField(
        _("kind"), max_length=16, choices=NameKind.choices, default=NameKind.LEGAL
    )
    given = models.CharField(_("given name"), max_length=100, blank=True)
    middle = models.CharField(_("middle name"), max_length=100, blank=True)
    family = models.CharField(_("family name"), max_length=100, blank=True)
    # Kept for search, derived from the name on save by people.matching.
    given_key = models.CharField(max_length=100, blank=True, db_index=True)
    family_key = models.CharField(max_length=100, blank=True, db_index=True)
    given_sound = models.CharField(max_length=32, blank=True, db_index=True)
    family_sound = models.CharField(max_length=32, blank=True, db_index=True)

    privacy_classes = {
        "id": STRUCTURAL,
        "person": STRUCTURAL,
        "created_at": STRUCTURAL,
        "updated_at": STRUCTURAL,
        "kind": OPERATIONAL,
        "given": OPERATIONAL,
        "middle": OPERATIONAL,
        "family": OPERATIONAL,
        "given_key": OPERATIONAL,
        "family_key": OPERATIONAL,
        "given_sound": OPERATIONAL,
        "family_sound": OPERATIONAL,
    }

    class Meta:
        ordering = ["person", "kind", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(given="", family=""), name="name_not_empty"),
        ]

    def __str__(self) -> str:
        return " ".join(part for part in (self.given, self.middle, self.family) if part)


class IdentifierSystem(models.TextChoices):
    EHR_MRN = "ehr_mrn", _("EHR medical record number")
    POLICE_RECORDS = "police_records", _("Police records number")
    STATE_ID = "state_id", _("State ID / driver licence")
    OTHER = "other", _("Other")


# An identifier tells which systems know the person; its class follows the system's.
IDENTIFIER_CLASSES = {
    IdentifierSystem.EHR_MRN: CLINICAL,
    IdentifierSystem.POLICE_RECORDS: PUBLIC_SAFETY,
    IdentifierSystem.STATE_ID: OPERATIONAL,
    IdentifierSystem.OTHER: OPERATIONAL,
}
IDENTIFIER_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ./-]{0,62}[A-Za-z0-9]$|^[A-Za-z0-9]$")


def normalise_identifier(value: str) -> str:
    return re.sub(r"[\s./-]", "", value).upper()


class PersonIdentifier(PersonData, BaseModel):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="identifiers")
    system = models.CharField(_("system"), max_length=32, choices=IdentifierSystem.choices)
    issuer = models.CharField(_("issued by"), max_length=120)
    value = models.CharField(_("identifier"), max_length=64)
    normalised = models.CharField(max_length=64, db_index=True)

    privacy_classes = {
        "id": STRUCTURAL,
        "person": STRUCTURAL,
        "created_at": STRUCTURAL,
        "updated_at": STRUCTURAL,
        "system": BY_ROW,
        "issuer": BY_ROW,
        "value": BY_ROW,
        "normalised": BY_ROW,
    }

    class Meta:
        ordering = ["person", "system"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "system", "issuer", "normalised"],
                name="identifier_once_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_system_display()} {self.value}"

    def row_class(self) -> str:
        return IDENTIFIER_CLASSES[IdentifierSystem(self.system)]


class AddressKind(models.TextChoices):
    HOME = "home", _("Home")
    MAILING = "mailing", _("Mailing")
    SHELTER = "shelter", _("Shelter or temporary")
    LAST_KNOWN = "last_known", _("Last known")


class PersonAddress(PersonData, BaseModel):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="addresses")
    kind = models.CharField(
        _("kind"), max_length=16, choices=AddressKind.choices, default=AddressKind.HOME
    )
    line1 = models.CharField(_("address"), max_length=200)
    line2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    region = models.CharField(_("state"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)

    privacy_classes = {
        "id": STRUCTURAL,
        "person": STRUCTURAL,
        "created_at": STRUCTURAL,
        "updated_at": STRUCTURAL,
        "kind": CARE_COORDINATION,
        "line1": CARE_COORDINATION,
        "line2": CARE_COORDINATION,
        "city": CARE_COORDINATION,
        "region": CARE_COORDINATION,
        "postal_code": CARE_COORDINATION,
    }

    class Meta:
        ordering = ["person", "kind"]
        verbose_name_plural = "person addresses"

    def __str__(self) -> str:
        return ", ".join(part for part in (self.line1, self.city, self.region) if part)


class PersonNote(PersonData, BaseModel):
    """A note about a person, in the class its author chose. Notes are never edited."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="notes")
    data_class = models.CharField(
        _("kind of information"), max_length=32, choices=DataClass.choices
    )
    body = models.TextField(_("note"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")

    privacy_classes = {
        "id": STRUCTURAL,
        "person": STRUCTURAL,
        "created_at": STRUCTURAL,
        "updated_at": STRUCTURAL,
        "data_class": BY_ROW,
        "body": BY_ROW,
        "author": BY_ROW,
        "agency": BY_ROW,
    }

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(data_class__in=DataClass.values), name="note_class_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_data_class_display()} note"

    def row_class(self) -> str:
        return self.data_class


class PersonChange(PersonData, models.Model):
    """One value of a person's record changed by an edit: who, when, what it was and what
    it became. Held in the class of the value, so the history shows each change only to
    those who may read that class. Never edited."""

    id = models.BigAutoField(primary_key=True)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="changes")
    revision = models.PositiveIntegerField()  # the person's revision the edit made
    # A field of the person ("phone"), a kind of name ("name:legal"), an identifier
    # ("identifier:ehr_mrn").
    field = models.CharField(max_length=64)
    data_class = models.CharField(max_length=32, choices=DataClass.choices)
    before = models.TextField(blank=True)
    after = models.TextField(blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField()

    privacy_classes = {
        "id": STRUCTURAL,
        "person": STRUCTURAL,
        "revision": STRUCTURAL,
        "field": BY_ROW,
        "data_class": BY_ROW,
        "before": BY_ROW,
        "after": BY_ROW,
        "changed_by": BY_ROW,
        "changed_at": BY_ROW,
    }

    class Meta:
        ordering = ["person", "-revision", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(data_class__in=DataClass.values), name="person_change_class_known"
            ),
            models.UniqueConstraint(
                fields=["person", "revision", "field"], name="person_change_once_per_revision"
            ),
        ]

    def __str__(self) -> str:
        return f"change of {self.field} in revision {self.revision}"

    def row_class(self) -> str:
        return self.data_class


class LinkageModel(BaseModel):
    """One trained version of the program's match model: the m and u probabilities of each
    field's levels, learned by Splink from the program's persons (`people.training`).
    The newest version scores searches; older ones stay, so a search's reasons can be
    traced to the numbers that gave them. It holds no person's data: numbers per level,
    and counts."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField()
    trained_at = models.DateTimeField()
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    persons = models.PositiveIntegerField()  # how many the model learned from
    # {"prior", "levels": {field: {level: {"m", "u"}}}, "splink_version", "names_held"}
    parameters = models.JSONField()
    # Splink's own settings and parameters (`save_model_to_json`), for batch runs.
    splink_model = models.JSONField()

    class Meta:
        ordering = ["program", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["program", "version"], name="linkage_model_version"),
        ]

    def __str__(self) -> str:
        return f"match model version {self.version}"
