"""The privacy classes of DESIGN.md, and how a model declares the class of each field.

Every model holding a person's information subclasses `PersonData` and lists each of its
fields in `privacy_classes`: a `DataClass`, `STRUCTURAL` for keys, links and timestamps,
`BY_ROW` for fields whose class is the row's own (a note's class is chosen when it is
written; see `row_class`), or `DERIVED` for fields whose class follows from what the row
says (a referral to a substance-use service is Part 2; see `derived_class`). A test fails
when a field is left out. The read gate (`privacy/gate.py`) applies the classes.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _


class DataClass(models.TextChoices):
    OPERATIONAL = "operational", _("Operational")
    PUBLIC_SAFETY = "public_safety", _("Public safety")
    CLINICAL = "clinical", _("Clinical")
    SUD_PART2 = "sud_part2", _("Substance-use treatment (42 CFR Part 2)")
    CARE_COORDINATION = "care_coordination", _("Care coordination")


STRUCTURAL = "structural"
BY_ROW = "by_row"
DERIVED = "derived"

# Whoever receives Part 2 information must be told it may not pass it on (42 CFR 2.32).
PART2_NOTICE = _(
    "This record which has been disclosed to you is protected by federal confidentiality "
    "rules (42 CFR part 2). These rules prohibit you from using or disclosing this record, "
    "or testimony that describes the information contained in this record, in any civil, "
    "criminal, administrative, or legislative proceedings by any Federal, State, or local "
    "authority, against the patient, unless authorized by the consent of the patient, except "
    "as provided at 42 CFR 2.12(c)(5) or as authorized by a court in accordance with "
    "42 CFR 2.64 or 2.65. In addition, the federal rules prohibit you from making any other "
    "use or disclosure of this record unless at least one of the following applies: further "
    "use or disclosure is expressly permitted by the written consent of the individual whose "
    "information is being disclosed in this record or as otherwise permitted by 42 CFR part 2."
)


class PersonData(models.Model):
    """Marks a model whose rows are a person's information."""

    privacy_classes: ClassVar[dict[str, str]] = {}
    # The fields naming the users who wrote the row: its author reads it by the author's
    # relation (`policy.Relation.AUTHOR`), as an EMT reads the medical section they wrote.
    privacy_authors: ClassVar[tuple[str, ...]] = ()

    class Meta:
        abstract = True

    def person_key(self):
        """The id of the person the row is about (None: no one). A row that reaches its
        person through another record (an encounter, by its call) says so here."""
        return getattr(self, "person_id", None)

    def row_class(self) -> str:
        """The class of this row's `BY_ROW` fields; models with such fields override it."""
        raise NotImplementedError

    def derived_class(self, field_name: str, *, reader_agency_id) -> str:
        """The class of a `DERIVED` field of this row, for a reader of `reader_agency_id`;
        models with such fields override it beside their `privacy_classes`."""
        raise NotImplementedError

    @classmethod
    def fields_of_class(cls, data_class: str) -> list[str]:
        return [name for name, value in cls.privacy_classes.items() if value == data_class]

    def class_of(self, field_name: str) -> str:
        declared = self.privacy_classes[field_name]
        return self.row_class() if declared == BY_ROW else declared
