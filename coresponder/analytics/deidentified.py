"""The de-identified extract: the call facts of a period with HIPAA Safe Harbor applied.

What evaluators, funders and the state take out of the program, and the only thing they
may. The facts already hold no name, address, phone or free text; the extract removes
what remains of the 18 Safe Harbor identifiers (45 CFR 164.514(b)(2)):

- the person's record id becomes a pseudonym drawn at random for this extract alone
  (the same person has the same pseudonym inside one extract, never across two);
- the call's id becomes a row number;
- dates keep only the year and the ISO week of the year (or the year alone);
- the first three digits of the ZIP code stay unless they are one of the three-digit
  areas of 20,000 people or fewer, which become "000";
- ages were already banded, with everyone over 89 in "90+".

The folder is written whole or not at all: into a temporary sibling, renamed at the end.
`docs/deidentified-extract.md` maps each identifier to what is done here.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from coresponder.accounts.models import Program
from coresponder.core.spreadsheet import neutralised_arrow_table, safe_csv_writer

from . import facts
from .kpis import day_number, from_day_number
from .models import CallFact

CHUNK = 20_000
PROGRESS_EVERY = 50_000

# HHS, "Guidance Regarding Methods for De-identification of Protected Health Information
# in Accordance with the HIPAA Privacy Rule" (2012), section 2.4: the three-digit ZIP
# codes whose areas held 20,000 people or fewer in the 2000 Census.
RESTRICTED_ZIP3 = frozenset(
    {
        "036",
        "059",
        "063",
        "102",
        "203",
        "556",
        "692",
        "790",
        "821",
        "823",
        "830",
        "831",
        "878",
        "879",
        "884",
        "890",
        "893",
    }
)
SMALL_AREA_ZIP3 = "000"

WEEK = "week"  # dates kept to the ISO year and week of the year
YEAR = "year"  # dates kept to the calendar year alone: Safe Harbor to the letter
DATE_GRAINS = (WEEK, YEAR)

SAFE_HARBOR = (
    "De-identified under the HIPAA Privacy Rule's Safe Harbor method, 45 CFR "
    "164.514(b)(2): no names; no geographic unit smaller than a state except the first "
    "three digits of a ZIP code whose area holds more than 20,000 people (others are "
    "000); no element of a date except the year; ages over 89 grouped as 90+; no "
    "telephone or fax number, e-mail address, social security, medical record, health "
    "plan, account, certificate or licence number, vehicle or device identifier, URL, "
    "IP address, biometric identifier or full-face photograph; no other unique "
    "identifying number, characteristic or code (each person is a pseudonym drawn at "
    "random for this extract only, each call a row number); no free text."
)
WEEK_CAVEAT = (
    " Exception: each call's date is kept to its ISO week of the year (week_of_year), "
    "as the program's evaluation asks. Safe Harbor permits the year alone, so with the "
    "week kept this extract is de-identified only if an expert determination (45 CFR "
    "164.514(b)(1)) or a data use agreement covers it; take the extract with dates "
    "kept to the year for Safe Harbor to the letter."
)


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    meaning: str
    treatment: str


def _int(name, meaning, treatment="Kept: a count, a code or a yes/no, not about identity."):
    return Column(name, pa.int32(), meaning, treatment)


NOT_ABOUT_PERSON = "Kept: an id of the program's own organisation, not of the person."
DURATION = "Kept: a duration in seconds, not a date (Safe Harbor removes dates, not lengths)."
COLUMNS: list[Column] = [
    Column(
        "row",
        pa.int64(),
        "Row number in this extract (1, 2, …); rows are in week order, in random order "
        "within a week.",
        "Replaces the call's id (identifier 18): means nothing outside this file.",
    ),
    Column(
        "person",
        pa.string(),
        "The person the call was about, as a pseudonym: two calls with the same pseudonym "
        "were about the same person. Empty when no person was identified.",
        "Replaces the person's record id (identifier 18): drawn at random for this "
        "extract, not derived from any identifier; a new extract draws new pseudonyms.",
    ),
    Column("program_id", pa.int64(), "The program's id in Coresponder.", NOT_ABOUT_PERSON),
    Column(
        "agency_id",
        pa.int64(),
        "The responding team's agency, or the agency that took the call when no team went.",
        NOT_ABOUT_PERSON,
    ),
    Column(
        "team_id", pa.int64(), "The team sent to the call; empty when none was.", NOT_ABOUT_PERSON
    ),
    Column(
        "source",
        pa.string(),
        "How the call came in: 911, 988, non_emergency, officer_initiated, walk_in.",
        "Kept: a code.",
    ),
    Column(
        "concern", pa.string(), "The first concern reported (a code), or empty.", "Kept: a code."
    ),
    Column(
        "response",
        pa.string(),
        "The response decided: co_responder, clinician_only, police_only, ems, phone_resolution.",
        "Kept: a code.",
    ),
    Column(
        "age_band",
        pa.string(),
        "The person's age on the day of the call: 0-17, 18-24, 25-34, 35-44, 45-54, "
        "55-64, 65-89, 90+; empty when unknown.",
        "Identifier 3: the date of birth is never copied; ages over 89 are one band, 90+.",
    ),
    Column("sex", pa.string(), "Sex as recorded (a code), or empty.", "Kept: a code."),
    Column("veteran", pa.string(), "Veteran status (a code), or empty.", "Kept: a code."),
    Column(
        "zip3",
        pa.string(),
        "First three digits of the person's home ZIP code; 000 for the restricted "
        "three-digit areas of 20,000 people or fewer; empty when unknown.",
        "Identifier 2: no address, city or full ZIP code; the three digits only where "
        "Safe Harbor allows them.",
    ),
    _int(
        "year",
        "The year of the call. With week_of_year, the ISO 8601 week-numbering year of that "
        "week (the calendar year, except for a few days around New Year).",
        "Identifier 3: the year is the one element of a date Safe Harbor keeps.",
    ),
    _int(
        "week_of_year",
        "ISO 8601 week of the year of the call (1–53, weeks start on Monday), in the "
        "program's time zone; empty for a call whose day is not known (an imported call "
        "known only to the month or the year, whose year is then the calendar year). "
        "Absent when dates are kept to the year.",
        "Identifier 3: the day, month, time and weekday are removed; the week is kept "
        "because the evaluation asks for it (see the statement in manifest.json).",
    ),
    _int("has_encounter", "1 when a team met the person (an encounter was started), else 0."),
    _int("complete", "1 when the encounter is complete (it has its disposition), else 0."),
    Column(
        "disposition",
        pa.string(),
        "The encounter's disposition code (resolved_on_scene, referred_voluntary, "
        "transported_voluntary, emergency_hold, medical_transport, citation, arrest, "
        "refused_services, unable_to_locate); without a complete encounter, the imported "
        "outcome's (see outcome_source); empty when neither.",
        "Kept: a code.",
    ),
    Column(
        "outcome_source",
        pa.string(),
        "Where the disposition comes from: encounter (documented in Coresponder), imported "
        "(reported by a CAD or an export, where disposition may also be other: an outcome "
        "none of the codes describes), or empty when the call has no outcome.",
        "Kept: a code.",
    ),
    Column(
        "outcome_covers",
        pa.string(),
        "The dispositions the outcome's source could say: * for all of them (an encounter, "
        "a CAD), else a comma-separated list between commas (an export's outcome columns); "
        "a KPI counts an imported outcome only when its source could say what it turns on.",
        "Kept: codes.",
    ),
    _int("assessed", "1 when at least one structured assessment was completed."),
    _int("services", "1 when an intervention, an assessment or a referral was given."),
    _int("any_force", "1 when the safety record shows force other than none."),
    _int("referrals_sent", "Referrals sent from the encounter (not withdrawn, not info-only)."),
    _int("referrals_accepted", "Of those, accepted by the partner (or later in the loop)."),
    _int("referrals_attended", "Of those, attended by the person."),
    Column(
        "response_seconds",
        pa.int32(),
        "Seconds from the call being received to the first team on scene.",
        DURATION,
    ),
    Column(
        "on_scene_seconds",
        pa.int32(),
        "Seconds from on scene to the officer clearing.",
        DURATION,
    ),
    Column(
        "officer_seconds",
        pa.int32(),
        "Seconds from dispatch to the officer clearing.",
        DURATION,
    ),
    Column(
        "next_call_seconds",
        pa.int64(),
        "Seconds to the same person's next call (empty when none yet or no person).",
        DURATION,
    ),
    _int("needs_follow_up", "1 when a follow-up case was opened from the encounter."),
    Column(
        "follow_up_seconds",
        pa.int32(),
        "Seconds from the encounter's completion to the first follow-up contact attempt.",
        DURATION,
    ),
]
# What the facts hold and the extract does not: said here so a new fact column must be
# placed on one side or the other (a test checks every column of the facts is).
DROPPED = {
    "call_id": "Identifier 18: replaced by the row number.",
    "person_key": "Identifier 18: the person's record id, replaced by the pseudonym.",
    "received_epoch": "Identifier 3: the exact time of the call.",
    "day": "Identifier 3: the day of the call.",
    "day_end": "Identifier 3: the day after the last the call may lie in (a date).",
    "week": "Identifier 3: the day number of the week's Monday (a date).",
    "month": "Identifier 3: the month of the call.",
    "hour_of_week": "Identifier 3: the weekday and hour of the call.",
    "refreshed_at": "Identifier 3: a time (when the fact was computed).",
}
KEPT_AS_IS = [
    column.name
    for column in COLUMNS
    if column.name not in ("row", "person", "year", "week_of_year", "zip3")
]
FILES = ("calls.parquet", "calls.csv", "data_dictionary.csv", "README.txt")


class ExtractRefused(ValueError):
    """An extract that cannot be made as asked, said in words."""


@dataclass
class Made:
    """What an extract wrote."""

    folder: Path
    rows: int
    people: int
    files: dict[str, str] = field(default_factory=dict)  # name → sha256
    manifest: dict = field(default_factory=dict)
    seconds: float = 0.0


def columns_for(dates: str) -> list[Column]:
    return [c for c in COLUMNS if dates == WEEK or c.name != "week_of_year"]


def schema_for(dates: str) -> pa.Schema:
    return pa.schema([pa.field(c.name, c.type) for c in columns_for(dates)])


def zip3_kept(zip3: str) -> str:
    """The three digits Safe Harbor lets stay: "000" for the small areas, "" when unknown."""
    if not zip3:
        return ""
    return SMALL_AREA_ZIP3 if zip3 in RESTRICTED_ZIP3 else zip3


class Pseudonyms:
    """Random pseudonyms for one extract: the same key, the same pseudonym; nothing else
    in them. The table lives in memory and is thrown away with the extract."""

    def __init__(self) -> None:
        self._given: dict[str, str] = {}
        self._used: set[str] = set()

    def __call__(self, key: str | None) -> str | None:
        if key is None:
            return None
        found = self._given.get(key)
        if found is None:
            found = "p" + secrets.token_hex(6)
            while found in self._used:
                found = "p" + secrets.token_hex(6)
            self._used.add(found)
            self._given[key] = found
        return found

    def __len__(self) -> int:
        return len(self._given)


SOURCE_COLUMNS = ["person_key", "week", "year", "zip3", *KEPT_AS_IS]


def fact_rows(program: Program, start: date, end: date) -> Iterable[tuple]:
    """The program's facts received on start … end (both included), in week order and,
    within a week, in the order of the call's random id (which says nothing of time)."""
    return (
        CallFact.objects.filter(
            program_id=program.pk,
            day__gte=day_number(start),
            day__lte=day_number(end),
            day_end__lte=day_number(end) + 1,  # as the KPIs count a period
        )
        .order_by("week", "call_id")
        .values_list(*SOURCE_COLUMNS)
        .iterator(chunk_size=CHUNK)
    )


def deidentify(
    rows: Iterable[Sequence], *, dates: str, pseudonyms: Pseudonyms, first_row: int = 1
) -> Iterable[dict]:
    """Each fact row (in `SOURCE_COLUMNS` order) as an extract row."""
    number = first_row
    for person_key, week, year, zip3, *kept in rows:
        row = {"row": number, "person": pseudonyms(person_key)}
        row.update(zip(KEPT_AS_IS, kept, strict=True))
        row["zip3"] = zip3_kept(zip3)
        if dates == WEEK and week is not None:
            iso_year, iso_week, _ = from_day_number(week).isocalendar()
            row["year"], row["week_of_year"] = iso_year, iso_week
        else:  # kept to the year, or a call whose week is not known
            row["year"] = year
            if dates == WEEK:
                row["week_of_year"] = None
        yield row
        number += 1


def _chunked(rows: Iterable, size: int) -> Iterable[list]:
    chunk: list = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _table(rows: list[dict], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pydict(
        {name: [row[name] for row in rows] for name in schema.names}, schema=schema
    )


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def check_target(target: Path) -> None:
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ExtractRefused(
            f"{target} exists and is not an empty folder; give a new or empty folder."
        )


def check_period(start: date, end: date) -> None:
    if end < start:
        raise ExtractRefused(
            f"The period ends ({end.isoformat()}) before it starts ({start.isoformat()})."
        )


def write_atomically(target: Path, fill: Callable[[Path], object]):
    """Let `fill` write a temporary folder beside `target`, then rename it into place.
    Whatever goes wrong, nothing is left behind."""
    target = Path(target)
    check_target(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent))
    try:
        result = fill(scratch)
        check_target(target)  # nobody filled it meanwhile
        if target.exists():
            target.rmdir()
        os.replace(scratch, target)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return result


def _dictionary(dates: str) -> list[list[str]]:
    return [
        [c.name, "integer" if pa.types.is_integer(c.type) else "text", c.meaning, c.treatment]
        for c in columns_for(dates)
    ]


def _readme(program: Program, start: date, end: date, rows: int, dates: str) -> str:
    lines = [
        "Coresponder de-identified extract",
        "=================================",
        "",
        f"Program: {program.name}",
        f"Calls received from {start.isoformat()} to {end.isoformat()} (both included), "
        f"in the program's time zone.",
        f"Rows: {rows} (one per call).",
        "",
        "Files",
        "  calls.parquet        the rows, Apache Parquet",
        "  calls.csv            the same rows, CSV (UTF-8, a header line; empty = unknown)",
        "  data_dictionary.csv  each column: name, type, meaning, Safe Harbor treatment",
        "  manifest.json        program, period, rows, when made, the statement below,",
        "                       and the SHA-256 of every other file",
        "",
        "Statement",
        "  " + statement(dates),
        "",
        "Columns",
    ]
    for name, kind, meaning, treatment in _dictionary(dates):
        lines += [f"  {name} ({kind})", f"    {meaning}", f"    Safe Harbor: {treatment}"]
    lines += [
        "",
        "Do not try to identify anyone from these data, and do not link them with other",
        "data that could: the program shares them with you on that understanding.",
        "",
    ]
    return "\n".join(lines)


def statement(dates: str) -> str:
    return SAFE_HARBOR + (WEEK_CAVEAT if dates == WEEK else "")


def write_extract(
    target: Path | str,
    *,
    program: Program,
    start: date,
    end: date,
    dates: str = WEEK,
    formats: Sequence[str] = ("parquet", "csv"),
    progress: Callable[[int], None] | None = None,
    progress_every: int = PROGRESS_EVERY,
    bring_up_to_date: bool = True,
) -> Made:
    """Write the program's de-identified extract of start … end (both included) to the
    new or empty folder `target`. `progress` is called with the rows written so far."""
    check_period(start, end)
    if dates not in DATE_GRAINS:
        raise ExtractRefused(f"Dates are kept to the week or the year, not {dates!r}.")
    unknown = sorted(set(formats) - {"parquet", "csv"})
    if unknown or not formats:
        raise ExtractRefused("Formats are parquet, csv or both.")
    target = Path(target)
    check_target(target)
    began = datetime.now(UTC)
    if bring_up_to_date:
        facts.bring_up_to_date(program)

    def fill(folder: Path) -> Made:
        schema = schema_for(dates)
        pseudonyms = Pseudonyms()
        parquet = (
            pq.ParquetWriter(folder / "calls.parquet", schema) if "parquet" in formats else None
        )
        csv_writer = pacsv.CSVWriter(folder / "calls.csv", schema) if "csv" in formats else None
        written, reported = 0, 0
        try:
            rows = deidentify(fact_rows(program, start, end), dates=dates, pseudonyms=pseudonyms)
            for chunk in _chunked(rows, CHUNK):
                table = _table(chunk, schema)
                if parquet is not None:
                    parquet.write_table(table)
                if csv_writer is not None:
                    csv_writer.write_table(neutralised_arrow_table(table))
                written += len(chunk)
                if progress and written - reported >= progress_every:
                    progress(written)
                    reported = written
            if parquet is not None and not written:
                parquet.write_table(schema.empty_table())
        finally:
            if parquet is not None:
                parquet.close()
            if csv_writer is not None:
                csv_writer.close()
        if progress and reported != written:
            progress(written)
        with (folder / "data_dictionary.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = safe_csv_writer(handle)
            writer.writerow(["name", "type", "meaning", "safe_harbor_treatment"])
            writer.writerows(_dictionary(dates))
        (folder / "README.txt").write_text(
            _readme(program, start, end, written, dates), encoding="utf-8"
        )
        hashes = {name: sha256_of(folder / name) for name in FILES if (folder / name).exists()}
        manifest = {
            "kind": "coresponder.deidentified_extract",
            "program": {"id": program.pk, "name": program.name},
            "period": {"from": start.isoformat(), "to": end.isoformat(), "to_included": True},
            "rows": written,
            "people": len(pseudonyms),
            "dates_kept_to": dates,
            "created": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "safe_harbor": statement(dates),
            "sha256": hashes,
        }
        (folder / "manifest.json").write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        return Made(folder, written, len(pseudonyms), hashes, manifest)

    made = write_atomically(target, fill)
    made.folder = target
    made.seconds = (datetime.now(UTC) - began).total_seconds()
    return made
