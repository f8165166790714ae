"""A person's health summary from their EHR, as a reader may see it: through the read gate.

The summary is each `HealthRecord` the gate lets the reader see (clinical rows to the
person's care team and responders on their call with the right role; Part 2 rows only under
a Part 2 consent naming the reader's agency), grouped for a page: conditions, medications,
allergies, care plans and the last EHR visit, each with its source and date. The gate
audits each record shown (one entry per reader, record and window).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from django.utils import timezone

from coresponder.privacy import gate
from coresponder.privacy.classification import PART2_NOTICE, DataClass

from .. import events
from ..models import HealthRecord, HealthRecordKind

# Active before resolved, then newest first.
INACTIVE = frozenset({"resolved", "inactive", "stopped", "completed", "cancelled", "revoked"})


def _day(instant: datetime | None) -> date | None:
    """The day to show: an EHR's date alone is kept as its day's start in UTC (importer
    `_instant`) and is that day; an instant is its day on the program's clock."""
    if instant is None:
        return None
    if instant.astimezone(UTC).time() == time():
        return instant.astimezone(UTC).date()
    return timezone.localdate(instant)


@dataclass(frozen=True)
class SummaryLine:
    text: str
    status: str
    started_at: datetime | None
    ended_at: datetime | None
    source: str
    data_class: str
    resource: str  # "Condition/abc"

    @property
    def started_on(self) -> date | None:
        return _day(self.started_at)

    @property
    def ended_on(self) -> date | None:
        return _day(self.ended_at)

    @property
    def active(self) -> bool:
        return self.status not in INACTIVE

    @property
    def part2(self) -> bool:
        return self.data_class == DataClass.SUD_PART2


@dataclass
class HealthSummary:
    conditions: list[SummaryLine] = field(default_factory=list)
    medications: list[SummaryLine] = field(default_factory=list)
    allergies: list[SummaryLine] = field(default_factory=list)
    care_plans: list[SummaryLine] = field(default_factory=list)
    visits: list[SummaryLine] = field(default_factory=list)
    notice: str = ""  # the Part 2 re-disclosure notice, when a Part 2 line is shown

    @property
    def last_visit(self) -> SummaryLine | None:
        return self.visits[0] if self.visits else None

    @property
    def sources(self) -> list[str]:
        lines = [*self.conditions, *self.medications, *self.allergies, *self.care_plans]
        return sorted({line.source for line in [*lines, *self.visits]})

    def __bool__(self) -> bool:
        return bool(
            self.conditions or self.medications or self.allergies or self.care_plans or self.visits
        )


GROUPS = {
    HealthRecordKind.CONDITION: "conditions",
    HealthRecordKind.MEDICATION: "medications",
    HealthRecordKind.ALLERGY: "allergies",
    HealthRecordKind.CARE_PLAN: "care_plans",
    HealthRecordKind.VISIT: "visits",
}


def _newest_first(line: SummaryLine) -> tuple:
    return (not line.active, -(line.started_at.timestamp() if line.started_at else 0), line.text)


def health_summary(
    user, person_id: Any, *, channel: str, request=None, now: datetime | None = None
) -> HealthSummary:
    """What `user` may see of the person's imported health summary; empty when nothing."""
    rows = list(HealthRecord.objects.filter(person_id=person_id, program_id=user.agency.program_id))
    shown = gate.read(
        user,
        rows,
        channel=channel,
        request=request,
        now=now,
        event=events.HEALTH_SUMMARY_READ,
        label="health_record",
        require=None,
        require_field="text",
        holder=lambda row: row.agency_id,
    )
    summary = HealthSummary()
    for projection in shown:
        line = SummaryLine(
            text=projection["text"],
            status=projection["status"],
            started_at=projection["started_at"],
            ended_at=projection["ended_at"],
            source=projection["source"],
            data_class=projection.shown_class,
            resource=f"{projection['resource_type']}/{projection['resource_id']}",
        )
        getattr(summary, GROUPS[HealthRecordKind(projection["kind"])]).append(line)
        if line.part2:
            summary.notice = str(PART2_NOTICE)
    for name in GROUPS.values():
        getattr(summary, name).sort(key=_newest_first)
    summary.visits.sort(key=lambda line: -(line.started_at.timestamp() if line.started_at else 0))
    return summary
