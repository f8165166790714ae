"""Reading HSDS 1.1 and 2.0 packages as HSDS 3: pure functions, no database.

The directories a program finds published are often older than HSDS 3: Open Referral's
1.1 and 2.0 tabular packages (a `datapackage.json` and CSV files). `detect_version` tells
which version a folder holds from its file names and, where those agree across versions,
the columns of `services.csv`. `convert` turns each row of an older package into the HSDS 3
rows it stands for, keeping the file and line it came from, so that `hsds.read_package`
checks them by the HSDS 3 rules and reports any problem at the place the publisher can fix.
Nothing is written here: the converted rows go through the one HSDS 3 import.

What changed between the versions, as the conversion reads it (1.1 and 2.0 from their
`datapackage.json`, 3.0 from its schema):

- the same in 1.1 and 2.0: organizations, services, locations, services_at_location,
  phones (with a list of language codes), physical_addresses and postal_addresses
  (address_1..4), service_areas, required_documents, languages, eligibility,
  payments_accepted, accessibility_for_disabilities, contacts, funding, programs;
- 1.1 only: regular_schedules (one weekday, 1 = Monday, with opening times),
  holiday_schedules, taxonomy (name, parent_id, parent_name, vocabulary), services_taxonomy,
  and the deprecated services.taxonomy_ids;
- 2.0 only: schedules (RFC 5545 fields, as in 3.0 but allowing DAILY and YEARLY),
  taxonomy_terms (term, description, parent_id, taxonomy, language), service_attributes,
  other_attributes;
- 3.0 renames or merges: addresses (with address_type), service_at_location,
  accessibility, attributes (link_id, link_type, link_entity, taxonomy_term_id),
  organization.website, service.fees_description, location.location_type (required).

The conversion's report says what was carried (rows, by file), defaulted (values 3.0
requires that the older file did not give) and dropped (columns and tables with no home in
our HSDS 3 model).
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from .hsds import TABLE, WARNING, FileRefused, Problem, decode

V3, V1_1, V2_0, V1_OR_2 = "3", "1.1", "2.0", "1.1 or 2.0"

# Files only HSDS 1.1 has, only 2.0 has, both have, and only 3 has (by the spec's names).
ONLY_1_1 = {
    "regular_schedules.csv",
    "holiday_schedules.csv",
    "taxonomy.csv",
    "services_taxonomy.csv",
    "service_taxonomy.csv",
}
ONLY_2_0 = {"service_attributes.csv", "other_attributes.csv"}
OLDER = {
    "services_at_location.csv",
    "physical_addresses.csv",
    "postal_addresses.csv",
    "accessibility_for_disabilities.csv",
    "eligibility.csv",
    "payments_accepted.csv",
}
ONLY_3 = {
    "addresses.csv",
    "service_at_location.csv",
    "attributes.csv",
    "taxonomies.csv",
    "cost_options.csv",
    "accessibility.csv",
    "units.csv",
    "unit.csv",
    "service_capacity.csv",
    "service_capacities.csv",
    "organization_identifiers.csv",
    "urls.csv",
}
# Files in every version, named alike.
SHARED = {
    "organizations.csv",
    "services.csv",
    "locations.csv",
    "phones.csv",
    "contacts.csv",
    "funding.csv",
    "programs.csv",
    "languages.csv",
    "service_areas.csv",
    "required_documents.csv",
    "metadata.csv",
    "meta_table_descriptions.csv",
    "schedules.csv",
    "taxonomy_terms.csv",
}

# Tables of 1.1 and 2.0 that have no home in our HSDS 3 model, and why.
NOT_CARRIED = {
    "contacts.csv": "contacts name staff, who are people; not modelled",
    "funding.csv": "funding is not modelled",
    "programs.csv": "programs are not modelled",
    "metadata.csv": "change history is not modelled",
    "meta_table_descriptions.csv": "table descriptions are not modelled",
    "payments_accepted.csv": "no HSDS 3 table for ways of paying; cost options hold amounts",
}

# Columns we drop, and why; any other column we do not map is dropped as "no HSDS 3 column".
DROPPED_COLUMNS = {
    "program_id": "programs are not modelled",
    "contact_id": "contacts are not modelled",
    "wait_time": "no HSDS 3 column",
    "licenses": "no HSDS 3 column",
    "department": "deprecated, no HSDS 3 column",
    "parent_name": "the parent term carries its own name",
}

WEEKDAY_NUMBERS = {"1": "MO", "2": "TU", "3": "WE", "4": "TH", "5": "FR", "6": "SA", "7": "SU"}
WEEKDAY_NAMES = {
    "monday": "MO",
    "tuesday": "TU",
    "wednesday": "WE",
    "thursday": "TH",
    "friday": "FR",
    "saturday": "SA",
    "sunday": "SU",
}
EVERY_DAY = "MO,TU,WE,TH,FR,SA,SU"
# The taxonomy links of 1.1 and 2.0 say only that a term applies; HSDS 3 asks what it describes.
ATTRIBUTE_LINK_TYPE = "classification"
# Ids made for rows without one are UUIDs named by where the row stands, so that importing
# the same file again updates those rows rather than adding new ones.
MADE_ID_NAMESPACE = uuid.UUID("6f0c3c1e-7d1a-4b8e-9a52-2f1d8c4e7b90")
LANGUAGE_CODE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")
OLD_TIME = re.compile(r"(\d{1,2}):(\d{2})(:\d{2})?\s*(Z|[+-]\d{2}(?::?\d{2})?)?", re.IGNORECASE)


class UnknownVersion(FileRefused):
    """The folder is not a package of a version we read."""


@dataclass
class SourceRow:
    """One HSDS 3 row made from an older file, with the place it came from."""

    table: str  # the HSDS 3 table
    file: str  # the older file
    line: int
    values: dict[str, object]


@dataclass
class ConversionReport:
    """What an older package became: counts keyed by what was done, in words."""

    version: str
    carried: Counter = field(default_factory=Counter)  # "a.csv → b.csv": rows
    defaulted: Counter = field(default_factory=Counter)  # "file: column set to x": rows
    dropped: Counter = field(default_factory=Counter)  # "file: column (why)": values or rows

    def lines(self) -> list[str]:
        """The report as the command prints it, one line per entry."""
        found = [f"carried    {what}: {_rows(count)}" for what, count in self.carried.items()]
        found += [f"defaulted  {what}: {_rows(count)}" for what, count in self.defaulted.items()]
        found += [f"dropped    {what}: {count:,}" for what, count in self.dropped.items()]
        return found

    def as_dict(self) -> dict:
        return {
            "version": self.version,
            "carried": dict(self.carried),
            "defaulted": dict(self.defaulted),
            "dropped": dict(self.dropped),
        }


def _rows(count: int) -> str:
    return f"{count:,} row" + ("" if count == 1 else "s")


@dataclass
class Conversion:
    report: ConversionReport
    rows: dict[str, list[SourceRow]] = field(default_factory=dict)  # HSDS 3 table: rows
    problems: list[Problem] = field(default_factory=list)
    unreadable: set[str] = field(default_factory=set)  # HSDS 3 tables a refused file feeds

    def add(self, table: str, file: str, line: int, values: dict[str, object]) -> None:
        self.rows.setdefault(table, []).append(SourceRow(table, file, line, values))


# ---------------------------------------------------------------------------------------
# Which version


def _header(path: Path) -> list[str]:
    try:
        text = decode(path)
    except (FileRefused, OSError):
        return []  # reading the file reports it
    first = next(csv.reader(io.StringIO(text, newline="")), [])
    return [cell.strip() for cell in first]


def detect_version(paths: list[Path]) -> str:
    """V3, V1_1, V2_0 or V1_OR_2 for the package's CSV files; UnknownVersion otherwise."""
    names = {path.name for path in paths}
    by_name = {path.name: path for path in paths}
    only_1 = sorted(names & ONLY_1_1)
    only_2 = sorted(names & ONLY_2_0)
    older = sorted(names & OLDER)
    only_3 = sorted(names & ONLY_3)
    if "services.csv" in by_name and "taxonomy_ids" in _header(by_name["services.csv"]):
        only_1.append("services.csv with taxonomy_ids")
    if "taxonomy_terms.csv" in by_name and "term" in _header(by_name["taxonomy_terms.csv"]):
        only_2.append("taxonomy_terms.csv with term")
    if "schedules.csv" in names and (only_1 or older) and not only_3:
        only_2.append("schedules.csv")
    if only_3 and (only_1 or only_2 or older):
        raise UnknownVersion(
            f"mixes HSDS versions: {_some(only_3)} (HSDS 3) beside "
            f"{_some(only_1 + only_2 + older)} (HSDS 1.1 or 2.0); a package is one version"
        )
    if only_1 and only_2:
        raise UnknownVersion(
            f"mixes HSDS versions: {_some(only_1)} (HSDS 1.1) beside "
            f"{_some(only_2)} (HSDS 2.0); a package is one version"
        )
    if only_1:
        return V1_1
    if only_2:
        return V2_0
    if older:
        return V1_OR_2
    if not names & (SHARED | ONLY_3):
        raise UnknownVersion(
            f"holds none of the tables of HSDS 1.1, 2.0 or 3 (found {', '.join(sorted(names))}); "
            "it is not a package of a version we read"
        )
    return V3


def _some(names: list[str], shown: int = 3) -> str:
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {more} more" if more > 0 else "")


# ---------------------------------------------------------------------------------------
# Converting


def made_id(file: str, line: int, what: str = "") -> str:
    return str(uuid.uuid5(MADE_ID_NAMESPACE, f"{file}|{line}|{what}"))


def _old_time(text: str) -> tuple[str, Decimal | None] | None:
    """An opening time of 1.1 or 2.0 (HH:MM, maybe with Z or a UTC offset): (HH:MM[:SS],
    offset in hours), or None when it is not one (the HSDS 3 rule then says why)."""
    match = OLD_TIME.fullmatch(text.strip())
    if not match:
        return None
    hours, minutes, seconds, zone = match.groups()
    clock = f"{int(hours):02d}:{minutes}{seconds or ''}"
    if not zone:
        return clock, None
    if zone.upper() == "Z":
        return clock, Decimal(0)
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    offset = Decimal(int(digits[:2])) + (Decimal(int(digits[2:] or 0)) / 60)
    return clock, (sign * offset).normalize()


def _read_rows(conversion: Conversion, path: Path, step: Callable[[], None]):
    """The rows of one older file: (line, {column: text}); a row of the wrong width is a
    problem at its line, a file that cannot be read raises FileRefused."""
    reader = csv.reader(io.StringIO(decode(path), newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise FileRefused(f"is not CSV: {error}") from None
    if not header:
        raise FileRefused("is empty: the header row is missing")
    header = [cell.strip() for cell in header]
    if len(set(header)) != len(header):
        raise FileRefused("names a column twice in its header")
    line = reader.line_num
    try:
        for cells in reader:
            start, line = line + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            step()
            if len(cells) != len(header):
                reason = f"has {len(cells)} cells, the header {len(header)}"
                conversion.problems.append(Problem(path.name, start, reason))
                continue
            yield start, {name: cell.strip() for name, cell in zip(header, cells, strict=True)}
    except csv.Error as error:
        raise FileRefused(f"is not CSV after line {line}: {error}") from None


@dataclass(frozen=True)
class Mapping:
    """An older file whose rows become rows of one HSDS 3 table, column by column."""

    table: str
    columns: dict[str, str]  # older column: HSDS 3 column
    handled: frozenset[str] = frozenset()  # older columns a special step reads


def _names(*pairs: str) -> dict[str, str]:
    """`"url:website"` maps url to website; `"name"` keeps the name."""
    return dict(pair.split(":") if ":" in pair else (pair, pair) for pair in pairs)


ADDRESS = _names(
    "id",
    "location_id",
    "attention",
    "address_1",
    "address_2",
    "city",
    "region",
    "state_province",
    "postal_code",
    "country",
)
MAPPINGS: dict[str, Mapping] = {  # terms first: services.taxonomy_ids names them
    "taxonomy.csv": Mapping(
        "taxonomy_term", _names("id", "name", "parent_id", "vocabulary:taxonomy")
    ),
    "taxonomy_terms.csv": Mapping(
        "taxonomy_term",
        _names("id", "term:name", "description", "parent_id", "taxonomy", "language"),
    ),
    "organizations.csv": Mapping(
        "organization",
        _names(
            "id",
            "name",
            "alternate_name",
            "description",
            "email",
            "url:website",
            "tax_status",
            "tax_id",
            "year_incorporated",
            "legal_status",
        ),
    ),
    "services.csv": Mapping(
        "service",
        _names(
            "id",
            "organization_id",
            "name",
            "alternate_name",
            "description",
            "url",
            "email",
            "status",
            "interpretation_services",
            "application_process",
            "fees:fees_description",
            "accreditations",
        ),
        frozenset({"taxonomy_ids"}),
    ),
    "locations.csv": Mapping(
        "location",
        _names(
            "id",
            "organization_id",
            "name",
            "alternate_name",
            "description",
            "transportation",
            "latitude",
            "longitude",
        ),
    ),
    "services_at_location.csv": Mapping(
        "service_at_location", _names("id", "service_id", "location_id", "description")
    ),
    "phones.csv": Mapping(
        "phone",
        _names(
            "id",
            "location_id",
            "service_id",
            "organization_id",
            "service_at_location_id",
            "number",
            "extension",
            "type",
            "description",
        ),
        frozenset({"language"}),
    ),
    "physical_addresses.csv": Mapping("address", ADDRESS, frozenset({"address_3", "address_4"})),
    "postal_addresses.csv": Mapping("address", ADDRESS, frozenset({"address_3", "address_4"})),
    "service_areas.csv": Mapping(
        "service_area", _names("id", "service_id", "service_area:name", "description")
    ),
    "required_documents.csv": Mapping("required_document", _names("id", "service_id", "document")),
    "languages.csv": Mapping(
        "language", _names("id", "service_id", "location_id"), frozenset({"language"})
    ),
    "accessibility_for_disabilities.csv": Mapping(
        "accessibility", _names("id", "location_id", "accessibility:description", "details")
    ),
    "services_taxonomy.csv": Mapping(
        "attribute",
        _names("id", "service_id:link_id", "taxonomy_id:taxonomy_term_id", "taxonomy_detail:value"),
    ),
    "service_attributes.csv": Mapping(
        "attribute", _names("id", "service_id:link_id", "taxonomy_term_id")
    ),
    "other_attributes.csv": Mapping(
        "attribute", _names("id", "link_id", "link_type:link_entity", "taxonomy_term_id")
    ),
    "regular_schedules.csv": Mapping(
        "schedule",
        _names("id", "service_id", "location_id", "service_at_location_id"),
        frozenset({"weekday", "opens_at", "closes_at"}),
    ),
    "holiday_schedules.csv": Mapping(
        "schedule",
        _names(
            "id",
            "service_id",
            "location_id",
            "service_at_location_id",
            "start_date:valid_from",
            "end_date:valid_to",
        ),
        frozenset({"closed", "opens_at", "closes_at"}),
    ),
    "schedules.csv": Mapping(
        "schedule",
        _names(
            "id",
            "service_id",
            "location_id",
            "service_at_location_id",
            "valid_from",
            "valid_to",
            "dtstart",
            "timezone",
            "until",
            "count",
            "wkst",
            "freq",
            "interval",
            "byday",
            "byweekno",
            "bymonthday",
            "byyearday",
            "description",
        ),
        frozenset({"opens_at", "closes_at"}),
    ),
}
MAPPINGS["service_taxonomy.csv"] = MAPPINGS["services_taxonomy.csv"]
# Files whose rows are folded into other rows rather than becoming rows of their own.
FOLDED = {"eligibility.csv": "service.eligibility_description"}
# The order the files are read in: eligibility and taxonomy_ids need the services and terms.
ORDER = [*MAPPINGS, *FOLDED]


def convert(
    paths: list[Path],
    version: str,
    *,
    known: dict[str, set[str]] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Conversion:
    """The HSDS 3 rows an HSDS 1.1 or 2.0 package stands for, with the report."""
    conversion = Conversion(ConversionReport(version))
    report = conversion.report
    by_name = {path.name: path for path in paths}
    # Lines, not rows, for the progress bar: counting is one pass over bytes, not a parse.
    total = sum(
        _count_lines(path) for path in paths if path.name in MAPPINGS or path.name in FOLDED
    )
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, total)

    for name in sorted(by_name):
        if name in NOT_CARRIED:
            rows = _count_rows(by_name[name])
            if rows:
                report.dropped[f"{name} ({NOT_CARRIED[name]}), rows"] += rows
        elif name not in MAPPINGS and name not in FOLDED:
            report.dropped[f"{name} (not an HSDS 1.1 or 2.0 table), rows"] += _count_rows(
                by_name[name]
            )
    services: dict[str, SourceRow] = {}
    for name in ORDER:
        if name not in by_name:
            continue
        path = by_name[name]
        try:
            if name in FOLDED:
                _fold_eligibility(conversion, path, _read_rows(conversion, path, step), services)
            else:
                rows = _read_rows(conversion, path, step)
                _convert_file(conversion, name, rows, MAPPINGS[name], known or {})
        except FileRefused as refused:
            conversion.problems.append(Problem(name, None, refused.reason))
            if name in MAPPINGS:  # links to its rows are not reported again
                conversion.unreadable.add(MAPPINGS[name].table)
        if name == "services.csv":
            services = {
                str(row.values.get("id")): row for row in conversion.rows.get("service", [])
            }
    if progress:
        progress(total, total)
    return conversion


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return max(sum(1 for _ in handle) - 1, 0)


def _count_rows(path: Path) -> int:
    """The file's rows below its header (a cell may hold line breaks); lines if not CSV."""
    try:
        rows = list(csv.reader(io.StringIO(decode(path), newline="")))
    except (FileRefused, csv.Error):
        return _count_lines(path)
    return sum(1 for cells in rows[1:] if any(cell.strip() for cell in cells))


def _convert_file(conversion: Conversion, name: str, rows, mapping: Mapping, known) -> None:
    report = conversion.report
    target = _target_file(mapping.table)
    dropped_counted: Counter = Counter()
    for line, raw in rows:
        values: dict[str, object] = {
            new: raw[old] for old, new in mapping.columns.items() if old in raw
        }
        for column, value in raw.items():
            if column in mapping.columns or column in mapping.handled or not value:
                continue
            why = DROPPED_COLUMNS.get(column, "no HSDS 3 column")
            dropped_counted[f"{name}: {column} ({why}), values"] += 1
        if not values.get("id"):
            values["id"] = made_id(name, line)
            report.defaulted[f"{name}: id made (the row had none)"] += 1
        keep = _SPECIAL.get(name, _plain_row)(conversion, name, line, raw, values, known=known)
        if keep:
            conversion.add(mapping.table, name, line, values)
            report.carried[f"{name} → {target}"] += 1
    report.dropped.update(dropped_counted)


def _plain_row(conversion, name, line, raw, values, *, known) -> bool:
    return True


def _service(conversion, name, line, raw, values, *, known) -> bool:
    report = conversion.report
    if not values.get("status"):
        values["status"] = "active"
        report.defaulted[f"{name}: status set to active (it was empty)"] += 1
    terms = [term.strip() for term in (raw.get("taxonomy_ids") or "").split(",") if term.strip()]
    in_package = {str(row.values.get("id")) for row in conversion.rows.get("taxonomy_term", [])}
    in_package |= (known or {}).get("taxonomy_term", set())
    for term in terms:
        if term not in in_package:
            conversion.problems.append(
                Problem(
                    name,
                    line,
                    f"taxonomy_ids names {term}, no taxonomy term in the package; that link "
                    "is dropped",
                    WARNING,
                )
            )
            report.dropped[f"{name}: taxonomy_ids naming no term, values"] += 1
            continue
        conversion.add(
            "attribute",
            name,
            line,
            {
                "id": made_id(name, line, f"taxonomy {term}"),
                "link_id": values["id"],
                "link_entity": "service",
                "link_type": ATTRIBUTE_LINK_TYPE,
                "taxonomy_term_id": term,
            },
        )
        report.carried[f"{name} taxonomy_ids → attributes.csv"] += 1
        report.defaulted[f"{name}: link_type of taxonomy_ids set to {ATTRIBUTE_LINK_TYPE}"] += 1
    return True


def _location(conversion, name, line, raw, values, *, known) -> bool:
    values["location_type"] = "physical"
    conversion.report.defaulted[f"{name}: location_type set to physical (not in 1.1 or 2.0)"] += 1
    return True


def _phone(conversion, name, line, raw, values, *, known) -> bool:
    spoken = [code.strip() for code in (raw.get("language") or "").split(",") if code.strip()]
    for index, language in enumerate(spoken):
        conversion.add(
            "language",
            name,
            line,
            {
                "id": made_id(name, line, f"language {index}"),
                "phone_id": values["id"],
                **_language(language),
            },
        )
        conversion.report.carried[f"{name} language → languages.csv"] += 1
    return True


def _language(text: str) -> dict[str, str]:
    """A code where it looks like one (ISO 639), else the language's name ("English")."""
    return {"code": text} if LANGUAGE_CODE.fullmatch(text) else {"name": text}


def _language_row(conversion, name, line, raw, values, *, known) -> bool:
    values.update(_language(raw.get("language") or ""))
    return True


def _address(conversion, name, line, raw, values, *, known) -> bool:
    values["address_type"] = "postal" if name == "postal_addresses.csv" else "physical"
    extra = [raw.get(column) for column in ("address_3", "address_4") if raw.get(column)]
    if extra:
        values["address_2"] = ", ".join([str(values.get("address_2") or ""), *extra]).strip(", ")
        conversion.report.carried[f"{name}: address_3 and address_4 joined into address_2"] += 1
    return True


def _taxonomy_term(conversion, name, line, raw, values, *, known) -> bool:
    if not values.get("description") and values.get("name"):
        values["description"] = values["name"]
        conversion.report.defaulted[f"{name}: description set to the term's name"] += 1
    return True


def _attribute(conversion, name, line, raw, values, *, known) -> bool:
    report = conversion.report
    if not values.get("taxonomy_term_id"):
        conversion.problems.append(
            Problem(name, line, "names no taxonomy term; the row is dropped", WARNING)
        )
        report.dropped[f"{name}: rows naming no taxonomy term, rows"] += 1
        return False
    if name != "other_attributes.csv":
        values["link_entity"] = "service"
    values["link_type"] = ATTRIBUTE_LINK_TYPE
    report.defaulted[f"{name}: link_type set to {ATTRIBUTE_LINK_TYPE}"] += 1
    return True


def _times(conversion, name, line, raw, values) -> None:
    """opens_at and closes_at without their zone; the zone, if any, in `timezone`."""
    offsets = set()
    for column in ("opens_at", "closes_at"):
        text = raw.get(column) or ""
        parsed = _old_time(text) if text else None
        if parsed is None:
            values[column] = text
            continue
        values[column], offset = parsed
        if offset is not None:
            offsets.add(offset)
    if len(offsets) > 1:
        conversion.problems.append(
            Problem(name, line, "opens_at and closes_at are given in different UTC offsets")
        )
    elif offsets and not values.get("timezone"):
        values["timezone"] = str(offsets.pop())
        conversion.report.carried[f"{name}: UTC offset of the times moved to timezone"] += 1


def _regular_schedule(conversion, name, line, raw, values, *, known) -> bool:
    weekday = (raw.get("weekday") or "").strip()
    day = WEEKDAY_NUMBERS.get(weekday) or WEEKDAY_NAMES.get(weekday.lower())
    if day is None:
        day = next((d for n, d in WEEKDAY_NAMES.items() if weekday.lower() == n[:3]), None)
    if day is None:
        conversion.problems.append(
            Problem(
                name,
                line,
                f"weekday is {weekday!r}, not a day: HSDS 1.1 counts 1 (Monday) to 7 (Sunday)",
            )
        )
    values.update(freq="WEEKLY", byday=day or "")
    _times(conversion, name, line, raw, values)
    conversion.report.carried[f"{name}: weekday as a WEEKLY rule on byday"] += 1
    return True


def _holiday_schedule(conversion, name, line, raw, values, *, known) -> bool:
    report = conversion.report
    if (raw.get("closed") or "").lower() in {"true", "1", "yes"} or not raw.get("opens_at"):
        report.dropped[f"{name}: closed days (HSDS 3 has no closures), rows"] += 1
        return False
    values.update(freq="WEEKLY", byday=EVERY_DAY, description="Holiday hours")
    _times(conversion, name, line, raw, values)
    report.carried[f"{name}: open holiday hours as a WEEKLY rule between the dates"] += 1
    return True


def _schedule(conversion, name, line, raw, values, *, known) -> bool:
    interval = str(values.get("interval") or "").strip()
    if values.get("freq") == "DAILY" and interval in {"", "1"} and not values.get("byday"):
        values.update(freq="WEEKLY", byday=EVERY_DAY)
        conversion.report.carried[f"{name}: DAILY as WEEKLY on every day"] += 1
    _times(conversion, name, line, raw, values)
    return True


_SPECIAL = {
    "services.csv": _service,
    "locations.csv": _location,
    "phones.csv": _phone,
    "languages.csv": _language_row,
    "physical_addresses.csv": _address,
    "postal_addresses.csv": _address,
    "taxonomy.csv": _taxonomy_term,
    "taxonomy_terms.csv": _taxonomy_term,
    "services_taxonomy.csv": _attribute,
    "service_taxonomy.csv": _attribute,
    "service_attributes.csv": _attribute,
    "other_attributes.csv": _attribute,
    "regular_schedules.csv": _regular_schedule,
    "holiday_schedules.csv": _holiday_schedule,
    "schedules.csv": _schedule,
}


def _fold_eligibility(conversion: Conversion, path: Path, rows, services) -> None:
    """Each service's eligibility rows, joined into its eligibility_description."""
    report, name = conversion.report, path.name
    given: dict[str, list[str]] = defaultdict(list)
    for line, raw in rows:
        service, text = raw.get("service_id") or "", raw.get("eligibility") or ""
        if not text:
            continue
        if service not in services:
            conversion.problems.append(
                Problem(
                    name,
                    line,
                    f"service_id {service} names no service in the package; the eligibility "
                    "is dropped",
                    WARNING,
                )
            )
            report.dropped[f"{name}: rows naming no service, rows"] += 1
            continue
        given[service].append(text)
        report.carried[f"{name} → services.csv eligibility_description"] += 1
    for service, texts in given.items():
        values = services[service].values
        values["eligibility_description"] = "; ".join(
            [text for text in [str(values.get("eligibility_description") or "")] if text] + texts
        )


def _target_file(table: str) -> str:
    return TABLE[table].file
