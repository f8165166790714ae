"""Reading and checking Open Referral HSDS 3 packages: pure functions, no database.

The rules below are written from the HSDS 3.0 schema (its `hsds3_schema_simple.csv`: the
tables, their columns, what is required, types, formats and enumerations), RFC 5545 for the
recurrence fields of `schedule`, and HSDS 3.1 for `service_capacity` and `unit`. A package
is read in one of two forms:

- tabular: a folder of CSV files named as the spec names them (`services.csv`,
  `service_at_location.csv`, ...), with or without a `datapackage.json` listing them;
- JSON: a file (or a folder of files) of the spec's nested objects, `service_full.json`,
  `organization_full.json`, `*_list.json` (a page with `contents`), flattened here into the
  same rows as the tabular form.

A tabular package of HSDS 1.1 or 2.0 is converted into HSDS 3 rows by `hsds_upgrade` and
then checked here like any other.

`read_package` returns every row of the tables we model, each parsed into Python values,
and every problem found, each with its file, line (or JSON path) and reason. Errors refuse
the package; warnings are reported and the package may still be imported.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

if TYPE_CHECKING:
    from .hsds_upgrade import ConversionReport

ID_MAX = 250
SHORT_MAX = 500
NUMBER_DIGITS, NUMBER_PLACES = 20, 10

ERROR, WARNING = "error", "warning"

SERVICE_KINDS = (
    "crisis_stabilization",
    "detox",
    "substance_use_treatment",
    "inpatient_psychiatric",
    "outpatient_therapy",
    "support_group",
    "shelter_housing",
    "veterans_services",
    "youth_counseling",
    "food_benefits",
    "other",
)
SEXES = ("any", "female", "male")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# HSDS 3.0's schema spells wkst with three letters; RFC 5545 and the spec's own examples use two.
WEEKDAY_SPELLINGS = {day: day for day in WEEKDAYS} | {
    "MON": "MO",
    "TUE": "TU",
    "WED": "WE",
    "THU": "TH",
    "FRI": "FR",
    "SAT": "SA",
    "SUN": "SU",
}


@dataclass(frozen=True)
class Column:
    """One HSDS column. `ref` names the table whose id the column holds."""

    name: str
    type: str = "text"
    required: bool = False  # the value must be given
    header: bool = False  # a CSV file must have the column
    choices: tuple[str, ...] = ()
    ref: str = ""
    max_length: int | None = None
    minimum: int | None = None
    model_field: str = ""

    @property
    def field(self) -> str:
        """The model field that holds the column."""
        if self.model_field:
            return self.model_field
        if self.name.startswith("x_"):
            return self.name[2:]
        if self.ref:
            return self.name.removesuffix("_id")
        return self.name


def _id() -> Column:
    return Column("id", required=True, header=True, max_length=ID_MAX)


def _ref(name: str, table: str, *, required: bool = False, field: str = "") -> Column:
    return Column(
        name, ref=table, required=required, header=required, max_length=ID_MAX, model_field=field
    )


def _name(name: str = "name", *, required: bool = False) -> Column:
    return Column(name, required=required, header=required, max_length=SHORT_MAX)


def _text(name: str, *, required: bool = False) -> Column:
    return Column(name, required=required, header=required)


@dataclass(frozen=True)
class Table:
    name: str  # the spec's table name, singular
    file: str  # the tabular form's file name
    columns: tuple[Column, ...]
    other_files: tuple[str, ...] = ()  # other names the file is known by

    @property
    def by_name(self) -> dict[str, Column]:
        return {column.name: column for column in self.columns}


# In dependency order: a table names only tables above it (and itself).
TABLES: tuple[Table, ...] = (
    Table(
        "taxonomy",
        "taxonomies.csv",
        (
            _id(),
            _name(required=True),
            _text("description", required=True),
            Column("uri", "uri"),
            _name("version"),
        ),
    ),
    Table(
        "taxonomy_term",
        "taxonomy_terms.csv",
        (
            _id(),
            _name("code"),
            _name(required=True),
            _text("description", required=True),
            _ref("parent_id", "taxonomy_term"),
            _name("taxonomy"),
            Column("language", "language"),
            _ref("taxonomy_id", "taxonomy", field="taxonomy_detail"),
            Column("term_uri", "uri"),
        ),
    ),
    Table(
        "organization",
        "organizations.csv",
        (
            _id(),
            _name(required=True),
            _name("alternate_name"),
            _text("description", required=True),
            Column("email", "email"),
            Column("website", "uri"),
            _name("tax_status"),
            _name("tax_id"),
            Column("year_incorporated", "year"),
            _name("legal_status"),
            _text("logo"),
            Column("uri", "uri"),
            _ref("parent_organization_id", "organization"),
        ),
    ),
    Table(
        "location",
        "locations.csv",
        (
            _id(),
            Column(
                "location_type",
                "choice",
                required=True,
                header=True,
                choices=("physical", "postal", "virtual"),
            ),
            Column("url", "uri"),
            _ref("organization_id", "organization"),
            _name(),
            _name("alternate_name"),
            _text("description"),
            _text("transportation"),
            Column("latitude", "latitude"),
            Column("longitude", "longitude"),
            _name("external_identifier"),
            _name("external_identifier_type"),
        ),
    ),
    Table(
        "unit",
        "units.csv",
        (_id(), _name(required=True), _name("scheme"), _name("identifier"), Column("uri", "uri")),
        other_files=("unit.csv",),
    ),
    Table(
        "service",
        "services.csv",
        (
            _id(),
            _ref("organization_id", "organization", required=True),
            _name(required=True),
            _name("alternate_name"),
            _text("description"),
            Column("url", "uri"),
            Column("email", "email"),
            Column(
                "status",
                "choice",
                required=True,
                header=True,
                choices=("active", "inactive", "defunct", "temporarily closed"),
            ),
            _text("interpretation_services"),
            _text("application_process"),
            _text("fees_description"),
            _text("accreditations"),
            _text("eligibility_description"),
            Column("minimum_age", "integer", minimum=0),
            Column("maximum_age", "integer", minimum=0),
            Column("assured_date", "date"),
            Column("assurer_email", "email"),
            _text("alert"),
            # Coresponder's extensions, prefixed x_ so that no HSDS column is shadowed.
            Column("x_kind", "choice", choices=SERVICE_KINDS),
            Column("x_veterans", "boolean"),
            Column("x_sex", "choice", choices=SEXES),
            _text("x_insurance_accepted"),
        ),
    ),
    Table(
        "service_at_location",
        "service_at_location.csv",
        (
            _id(),
            _ref("service_id", "service", required=True),
            _ref("location_id", "location", required=True),
            _text("description"),
        ),
    ),
    Table(
        "phone",
        "phones.csv",
        (
            _id(),
            _ref("location_id", "location"),
            _ref("service_id", "service"),
            _ref("organization_id", "organization"),
            _ref("service_at_location_id", "service_at_location"),
            _name("number", required=True),
            Column("extension", "digits", max_length=20),
            _name("type"),
            _text("description"),
        ),
    ),
    Table(
        "schedule",
        "schedules.csv",
        (
            _id(),
            _ref("service_id", "service"),
            _ref("location_id", "location"),
            _ref("service_at_location_id", "service_at_location"),
            Column("valid_from", "date"),
            Column("valid_to", "date"),
            Column("dtstart", "date"),
            Column("timezone", "number"),
            Column("until", "date"),
            Column("count", "integer", minimum=1),
            Column("wkst", "weekday"),
            Column("freq", "choice", choices=("WEEKLY", "MONTHLY")),
            Column("interval", "integer", minimum=1),
            Column("byday", "byday"),
            Column("byweekno", "byweekno"),
            Column("bymonthday", "bymonthday"),
            Column("byyearday", "byyearday"),
            _text("description"),
            Column("opens_at", "time"),
            Column("closes_at", "time"),
            Column("schedule_link", "uri"),
            _text("attending_type"),
            _text("notes"),
        ),
    ),
    Table(
        "service_area",
        "service_areas.csv",
        (
            _id(),
            _ref("service_id", "service"),
            _text("name"),
            _text("description"),
            _text("extent"),
            _name("extent_type"),
            Column("uri", "uri"),
        ),
    ),
    Table(
        "language",
        "languages.csv",
        (
            _id(),
            _ref("service_id", "service"),
            _ref("location_id", "location"),
            _ref("phone_id", "phone"),
            _name(),
            Column("code", "language"),
            _text("note"),
        ),
    ),
    Table(
        "accessibility",
        "accessibility.csv",
        (
            _id(),
            _ref("location_id", "location"),
            _text("description"),
            _text("details"),
            Column("url", "uri"),
        ),
    ),
    Table(
        "address",
        "addresses.csv",
        (
            _id(),
            _ref("location_id", "location"),
            _name("attention"),
            _name("address_1", required=True),
            _name("address_2"),
            _name("city", required=True),
            _name("region"),
            _name("state_province", required=True),
            _name("postal_code", required=True),
            Column("country", "country", required=True, header=True),
            Column(
                "address_type",
                "choice",
                required=True,
                header=True,
                choices=("physical", "postal", "virtual"),
            ),
        ),
    ),
    Table(
        "cost_option",
        "cost_options.csv",
        (
            _id(),
            _ref("service_id", "service", required=True),
            Column("valid_from", "date"),
            Column("valid_to", "date"),
            _text("option"),
            Column("currency", "currency"),
            Column("amount", "number"),
            _text("amount_description"),
        ),
    ),
    Table(
        "required_document",
        "required_documents.csv",
        (_id(), _ref("service_id", "service"), _text("document"), Column("uri", "uri")),
    ),
    Table(
        "attribute",
        "attributes.csv",
        (
            _id(),
            # link_id names a row of the table link_entity names: kept as text, unchecked.
            Column("link_id", required=True, header=True, max_length=ID_MAX),
            _ref("taxonomy_term_id", "taxonomy_term", required=True),
            _name("link_type", required=True),
            Column("link_entity", required=True, header=True, max_length=SHORT_MAX),
            _text("value"),
        ),
    ),
    Table(
        "service_capacity",
        "service_capacity.csv",
        (
            _id(),
            _ref("service_id", "service", required=True),
            _ref("unit_id", "unit", required=True),
            Column("available", "integer", required=True, header=True, minimum=0),
            Column("maximum", "integer", minimum=0),
            _text("description"),
            Column("updated", "datetime", required=True, header=True),
        ),
        other_files=("service_capacities.csv",),
    ),
)
TABLE = {table.name: table for table in TABLES}

# HSDS 3 tables we read past without modelling them (contacts name people; the rest is
# provenance and funding a referral does not need).
NOT_MODELLED = {
    "contacts.csv": "contact",
    "funding.csv": "funding",
    "metadata.csv": "metadata",
    "meta_table_descriptions.csv": "meta_table_description",
    "organization_identifiers.csv": "organization_identifier",
    "programs.csv": "program",
}


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    reason: str
    severity: str = ERROR
    where: str = ""  # a JSON path, for the JSON form

    def __str__(self) -> str:
        place = self.file
        if self.line is not None:
            place += f", line {self.line}"
        if self.where:
            place += f", at {self.where}"
        return f"{place}: {self.reason}"


@dataclass
class Row:
    table: str
    file: str
    line: int | None
    values: dict[str, object]  # column name: parsed value (None or "" when empty)
    where: str = ""

    @property
    def id(self) -> str:
        return str(self.values["id"])


@dataclass
class Package:
    source: Path
    form: str  # "tabular" or "json"
    rows: dict[str, list[Row]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    skipped_files: list[str] = field(default_factory=list)
    unreadable: set[str] = field(default_factory=set)  # tables whose file was refused
    rejected: dict[str, set[str]] = field(default_factory=dict)  # table: ids of rows refused
    version: str = "3"  # the HSDS version read: "3", "2.0", "1.1" or "1.1 or 2.0"
    conversion: ConversionReport | None = None  # what an older package became

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.severity == WARNING]

    @property
    def row_count(self) -> int:
        return sum(len(rows) for rows in self.rows.values())


class FileRefused(Exception):
    """A file cannot be read at all; the reader reports it as a Problem of the file."""

    def __init__(self, reason: str, *, file: str = "") -> None:
        super().__init__(reason)
        self.reason, self.file = reason, file


# ---------------------------------------------------------------------------------------
# Values


def _plain(raw: object) -> str:
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return str(raw).strip()


def _number(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError("is not a number") from None
    if not value.is_finite():
        raise ValueError("is not a number")
    if abs(value) >= Decimal(10) ** (NUMBER_DIGITS - NUMBER_PLACES):
        raise ValueError("is too large")
    return value.quantize(Decimal(1).scaleb(-NUMBER_PLACES)).normalize()


def _integer(text: str, column: Column) -> int:
    if not re.fullmatch(r"[+-]?\d+(\.0*)?", text):
        raise ValueError("is not a whole number")
    value = int(Decimal(text))
    if column.minimum is not None and value < column.minimum:
        raise ValueError(f"must be at least {column.minimum}")
    if value > 2_000_000_000:
        raise ValueError("is too large")
    return value


def _int_list(text: str, *, low: int, high: int, what: str) -> str:
    items = [item.strip() for item in text.split(",")]
    for item in items:
        if not re.fullmatch(r"[+-]?\d{1,3}", item) or not low <= abs(int(item)) <= high:
            raise ValueError(f"has {item!r}, not a {what} (±{low}..{high}, comma-separated)")
    return ",".join(items)


def _byday(text: str) -> str:
    items = [item.strip().upper() for item in text.split(",")]
    for item in items:
        match = re.fullmatch(r"([+-]?\d{1,2})?([A-Z]{2})", item)
        if not match or match.group(2) not in WEEKDAYS:
            raise ValueError(
                f"has {item!r}, not a weekday of RFC 5545 (MO, TU, WE, TH, FR, SA, SU, "
                "optionally after an ordinal such as 1MO or -1FR)"
            )
        if match.group(1) and not 1 <= abs(int(match.group(1))) <= 53:
            raise ValueError(f"has {item!r}, whose ordinal is not ±1..53")
    return ",".join(items)


def _parse(column: Column, raw: object) -> object:
    """The column's value from its text, or ValueError with the reason."""
    text = _plain(raw)
    if "\x00" in text:
        raise ValueError("contains a NUL character")
    if column.max_length is not None and len(text) > column.max_length:
        raise ValueError(f"is longer than {column.max_length} characters")
    if text == "":
        return "" if column.type in {"text", "email", "uri", "language", "currency"} else None
    kind = column.type
    if kind == "text":
        return text
    if kind == "choice":
        if text not in column.choices:
            raise ValueError(f"is {text!r}, not one of {', '.join(column.choices)}")
        return text
    if kind == "email":
        try:
            validate_email(text)
        except ValidationError:
            raise ValueError(f"is {text!r}, not an email address") from None
        return text
    if kind == "uri":
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*:\S+", text):
            raise ValueError(f"is {text!r}, not a URI")
        return text
    if kind == "language":
        if not re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*", text):
            raise ValueError(f"is {text!r}, not a language code (ISO 639, e.g. en or es-MX)")
        return text
    if kind == "country":
        if not re.fullmatch(r"[A-Z]{2}", text):
            raise ValueError(f"is {text!r}, not an ISO 3166-1 two-letter country code")
        return text
    if kind == "currency":
        if not re.fullmatch(r"[A-Za-z]{3}", text):
            raise ValueError(f"is {text!r}, not an ISO 4217 currency code")
        return text
    if kind == "digits":
        if not text.isdigit() or not text.isascii():
            raise ValueError(f"is {text!r}, not a number")
        return text
    return _typed(column, text)


def _typed(column: Column, text: str) -> object:
    """A non-empty value of a numeric, date, time or recurrence column."""
    kind = column.type
    if kind in {"number", "latitude", "longitude"}:
        return _number(text)
    if kind == "integer":
        return _integer(text, column)
    if kind == "year":
        if not re.fullmatch(r"\d{4}", text):
            raise ValueError(f"is {text!r}, not a year (YYYY)")
        return int(text)
    if kind == "boolean":
        if text.lower() not in {"true", "false"}:
            raise ValueError(f"is {text!r}, not true or false")
        return text.lower() == "true"
    if kind == "date":
        reason = f"is {text!r}, not a date (YYYY-MM-DD)"
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(reason)
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ValueError(reason) from None
    if kind == "time":
        if not re.fullmatch(r"\d{2}:\d{2}(:\d{2})?", text):
            raise ValueError(f"is {text!r}, not a time (HH:MM or HH:MM:SS)")
        try:
            return time.fromisoformat(text)
        except ValueError:
            raise ValueError(f"is {text!r}, not a time (HH:MM or HH:MM:SS)") from None
    if kind == "datetime":
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"is {text!r}, not a date and time (ISO 8601)") from None
        if moment.tzinfo is None:
            raise ValueError(f"is {text!r}, a date and time without a time zone offset")
        return moment
    if kind == "weekday":
        if text.upper() not in WEEKDAY_SPELLINGS:
            raise ValueError(f"is {text!r}, not a weekday (MO, TU, WE, TH, FR, SA, SU)")
        return WEEKDAY_SPELLINGS[text.upper()]
    if kind == "byday":
        return _byday(text)
    if kind == "byweekno":
        return _int_list(text, low=1, high=53, what="week number")
    if kind == "bymonthday":
        return _int_list(text, low=1, high=31, what="day of the month")
    if kind == "byyearday":
        return _int_list(text, low=1, high=366, what="day of the year")
    raise AssertionError(kind)  # pragma: no cover - every type is handled above


def format_value(value: object) -> str:
    """A parsed value as the tabular form writes it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


# ---------------------------------------------------------------------------------------
# Checking rows


def check_row(table: Table, raw: dict[str, object], *, file: str, line, where="") -> tuple:
    """The parsed row and the problems of its values: one per column at fault, then one per
    rule joining several columns that the row breaks."""
    values: dict[str, object] = {}
    problems: list[Problem] = []

    def problem(reason: str, severity: str = ERROR) -> None:
        problems.append(Problem(file, line, reason, severity, where))

    failed = set()
    for column in table.columns:
        try:
            value = _parse(column, raw.get(column.name))
        except ValueError as error:
            problem(f"{column.name} {error}")
            values[column.name] = None
            failed.add(column.name)
            continue
        if column.required and value in {None, ""}:
            problem(f"{column.name} is required")
        values[column.name] = value
    for reason, severity in _row_rules(table.name, values, failed):
        problem(reason, severity)
    return values, problems


def _row_rules(table: str, values: dict[str, object], failed: set[str]) -> list[tuple[str, str]]:
    """The rules that join several columns of one row (none of which failed on its own)."""
    found: list[tuple[str, str]] = []
    if table == "schedule" and "freq" not in failed:
        recurrence = ["count", "until", "interval", "byday", "byweekno", "bymonthday"]
        recurrence += ["byyearday", "wkst"]
        given = [name for name in recurrence if values.get(name) not in {None, ""}]
        if given and not values.get("freq"):
            found.append((f"freq is required with {', '.join(given)} (RFC 5545)", ERROR))
        byday = values.get("byday") or ""
        if values.get("freq") == "WEEKLY" and re.search(r"\d", str(byday)):
            found.append(("byday may not have ordinals such as 1MO when freq is WEEKLY", ERROR))
        if values.get("count") is not None and values.get("until") is not None:
            found.append(("has both count and until; RFC 5545 allows one", WARNING))
        found += _in_order(values, "valid_from", "valid_to")
    if table == "cost_option":
        found += _in_order(values, "valid_from", "valid_to")
    if table == "service":
        found += _in_order(values, "minimum_age", "maximum_age")
    if table == "service_capacity":
        available, maximum = values.get("available"), values.get("maximum")
        if available is not None and maximum is not None and available > maximum:
            found.append((f"available ({available}) is more than maximum ({maximum})", ERROR))
    if table == "location":
        for name, limit in (("latitude", 90), ("longitude", 180)):
            value = values.get(name)
            if value is not None and abs(value) > limit:
                found.append(
                    (f"{name} {format_value(value)} is outside ±{limit}; kept as given", WARNING)
                )
    return found


def _in_order(values: dict[str, object], first: str, second: str) -> list[tuple[str, str]]:
    low, high = values.get(first), values.get(second)
    if low is not None and high is not None and low > high:
        return [(f"{first} ({format_value(low)}) is after {second} ({format_value(high)})", ERROR)]
    return []


def check_references(package: Package, *, known: dict[str, set[str]] | None = None) -> None:
    """Adds a problem for each id that names no row of its table.

    `known` holds the ids already in the directory (by table), which a package may name
    without carrying them. An unknown id in a required reference is an error; in an optional
    one a warning, and the link is left empty (`unlinked`).
    """
    known = known or {}
    ids = {
        table.name: {row.id for row in package.rows.get(table.name, [])}
        | known.get(table.name, set())
        for table in TABLES
    }
    for table in TABLES:
        for row in package.rows.get(table.name, []):
            for column in table.columns:
                value = row.values.get(column.name)
                if not column.ref or value in {None, ""} or value in ids[column.ref]:
                    continue
                if column.ref in package.unreadable or value in package.rejected.get(
                    column.ref, ()
                ):  # the problem of that file or row says it all
                    continue
                if column.required:
                    reason = f"{column.name} {value} names no {column.ref} in the package"
                    package.problems.append(Problem(row.file, row.line, reason, ERROR, row.where))
                else:
                    reason = (
                        f"{column.name} {value} names no {column.ref} in the package; "
                        "the link is left empty"
                    )
                    package.problems.append(Problem(row.file, row.line, reason, WARNING, row.where))
                    row.values[column.name] = None


def _add_row(package: Package, table: Table, raw: dict, *, file: str, line, where="") -> None:
    values, problems = check_row(table, raw, file=file, line=line, where=where)
    package.problems.extend(problems)
    if any(problem.severity == ERROR for problem in problems):
        package.rejected.setdefault(table.name, set()).add(_plain(raw.get("id")))
        return
    package.rows.setdefault(table.name, []).append(Row(table.name, file, line, values, where))


def _check_unique_ids(package: Package) -> None:
    for table in TABLES:
        seen: dict[str, Row] = {}
        for row in package.rows.get(table.name, []):
            if row.id in seen:
                first = seen[row.id]
                place = f"line {first.line}" if first.line is not None else first.where
                package.problems.append(
                    Problem(
                        row.file,
                        row.line,
                        f"id {row.id} is used twice (first at {place})",
                        ERROR,
                        row.where,
                    )
                )
            seen.setdefault(row.id, row)


# ---------------------------------------------------------------------------------------
# The tabular form


def decode(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise FileRefused(
            f"is not UTF-8 text (byte 0x{data[error.start]:02x} on line {line}); "
            "HSDS files are UTF-8"
        ) from None


def _read_csv(package: Package, table: Table, path: Path, progress) -> None:
    name = path.name
    text = decode(path)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise FileRefused(f"is not CSV: {error}") from None
    if not header:
        raise FileRefused("is empty: the header row is missing")
    header = [cell.strip() for cell in header]
    missing = [
        column.name for column in table.columns if column.header and column.name not in header
    ]
    if missing:
        raise FileRefused(f"lacks the required column {', '.join(missing)}")
    if len(set(header)) != len(header):
        raise FileRefused("names a column twice in its header")
    line = reader.line_num
    try:
        for cells in reader:
            start, line = line + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                package.problems.append(
                    Problem(name, start, f"has {len(cells)} cells, the header {len(header)}")
                )
                continue
            _add_row(package, table, dict(zip(header, cells, strict=True)), file=name, line=start)
            if progress:
                progress(1)
    except csv.Error as error:
        raise FileRefused(f"is not CSV after line {line}: {error}") from None


def _tabular_paths(folder: Path, package: Package) -> list[Path]:
    """The package's CSV files: those its datapackage.json lists, or else every one."""
    descriptor = folder / "datapackage.json"
    document = None
    if descriptor.exists():
        try:
            document = json.loads(decode(descriptor))
        except (json.JSONDecodeError, FileRefused):
            # The descriptor is optional in HSDS 3; a checkout that turned a symbolic link
            # into its target's path leaves text like "../datapackage.json" here.
            package.problems.append(
                Problem(
                    "datapackage.json",
                    None,
                    "is not JSON; the CSV files are read by the names the spec gives them",
                    WARNING,
                )
            )
    if document is not None:
        resources = document.get("resources") if isinstance(document, dict) else None
        if not isinstance(resources, list):
            raise FileRefused("datapackage.json has no list of resources")
        paths = []
        for resource in resources:
            relative = resource.get("path") if isinstance(resource, dict) else None
            if not isinstance(relative, str) or not relative:
                raise FileRefused("datapackage.json has a resource without a path")
            candidate = (folder / relative).resolve()
            if folder.resolve() not in candidate.parents:
                raise FileRefused(f"datapackage.json names {relative!r}, outside the package")
            if not candidate.exists():
                raise FileRefused(f"datapackage.json names {relative}, which is not there")
            paths.append(candidate)
    else:
        paths = sorted(folder.glob("*.csv"))
    if not paths:
        raise FileRefused("holds no CSV files and no datapackage.json")
    return paths


def _tabular_files(paths: list[Path], package: Package) -> dict[str, Path]:
    """The CSV file of each HSDS 3 table we model, by the spec's names."""
    names = {table.file: table for table in TABLES} | {
        other: table for table in TABLES for other in table.other_files
    }
    found: dict[str, Path] = {}
    for path in paths:
        table = names.get(path.name)
        if table is None:
            why = "not modelled" if path.name in NOT_MODELLED else "not an HSDS 3 table"
            package.skipped_files.append(f"{path.name} ({why})")
        else:
            found[table.name] = path
    return found


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return max(sum(1 for _ in handle) - 1, 0)


# ---------------------------------------------------------------------------------------
# The JSON form

# For a key holding nested objects: the table they are rows of, and the column of the child
# that takes the parent's id (None when the parent holds the child's id instead).
_CHILD_COLUMN = {
    "organization": "organization_id",
    "service": "service_id",
    "location": "location_id",
    "service_at_location": "service_at_location_id",
    "phone": "phone_id",
}
_NESTED = {
    "organization": "organization",
    "organizations": "organization",
    "services": "service",
    "service": "service",
    "locations": "location",
    "location": "location",
    "service_at_locations": "service_at_location",
    "phones": "phone",
    "schedules": "schedule",
    "service_areas": "service_area",
    "languages": "language",
    "accessibility": "accessibility",
    "accessibilitys": "accessibility",
    "addresses": "address",
    "addresss": "address",
    "cost_options": "cost_option",
    "required_documents": "required_document",
    "attributes": "attribute",
    "taxonomy_term": "taxonomy_term",
    "taxonomy_detail": "taxonomy",
    "capacities": "service_capacity",
    "service_capacities": "service_capacity",
    "unit": "unit",
}
# Objects the parent names by id rather than owning: (parent table, key) -> parent column.
_PARENT_HOLDS = {
    ("service", "organization"): "organization_id",
    ("service_at_location", "location"): "location_id",
    ("service_at_location", "service"): "service_id",
    ("attribute", "taxonomy_term"): "taxonomy_term_id",
    ("taxonomy_term", "taxonomy_detail"): "taxonomy_id",
    ("service_capacity", "unit"): "unit_id",
}
_JSON_ROOTS = (
    "service_at_location",
    "taxonomy_term",
    "organization",
    "service",
    "location",
    "taxonomy",
)


def _json_root(path: Path) -> str | None:
    stem = path.stem.removesuffix("_full").removesuffix("_list")
    return stem if stem in _JSON_ROOTS else None


def _flatten(
    obj: dict, table: str, *, file: str, where: str, merged: dict, parent: tuple | None
) -> None:
    """Collects the rows of a nested object into `merged[(table, id)]`."""
    row: dict[str, object] = {}
    for key, value in obj.items():
        if isinstance(value, dict | list):
            continue
        row[key] = value
    if parent is not None:
        parent_table, parent_id = parent
        column = _CHILD_COLUMN.get(parent_table)
        if table == "attribute":
            row.setdefault("link_id", parent_id)
            row.setdefault("link_entity", parent_table)
        elif column and column in TABLE[table].by_name and not row.get(column):
            row[column] = parent_id
    own_id = _plain(obj.get("id"))
    for key, value in obj.items():
        child = _NESTED.get(key)
        if child is None or not isinstance(value, dict | list):
            continue
        held = _PARENT_HOLDS.get((table, key))
        items = [value] if isinstance(value, dict) else value
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            path = f"{where}.{key}" + (f"[{index}]" if isinstance(value, list) else "")
            if held:
                row.setdefault(held, item.get("id"))
                _flatten(item, child, file=file, where=path, merged=merged, parent=None)
            else:
                _flatten(item, child, file=file, where=path, merged=merged, parent=(table, own_id))
    key = (table, own_id)
    if key in merged:
        existing = merged[key][0]
        for name, value in row.items():
            if _plain(existing.get(name)) == "" and _plain(value) != "":
                existing[name] = value
    else:
        merged[key] = (row, file, where)


def _read_json(package: Package, files: list[Path]) -> None:
    merged: dict[tuple[str, str], tuple[dict, str, str]] = {}
    for path in files:
        root = _json_root(path)
        if root is None:
            package.skipped_files.append(f"{path.name} (not an HSDS object file)")
            continue
        try:
            document = json.loads(decode(path))
        except json.JSONDecodeError as error:
            raise FileRefused(f"is not JSON: {error}", file=path.name) from None
        except FileRefused as refused:
            raise FileRefused(refused.reason, file=path.name) from None
        if isinstance(document, dict) and isinstance(document.get("contents"), list):
            items, base = document["contents"], "$.contents"
        elif isinstance(document, list):
            items, base = document, "$"
        elif isinstance(document, dict):
            items, base = [document], ""
        else:
            raise FileRefused("holds neither an object nor a list of objects", file=path.name)
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                raise FileRefused(f"has an item that is not an object at {base}", file=path.name)
            where = f"{base}[{index}]" if base else "$"
            _flatten(item, root, file=path.name, where=where, merged=merged, parent=None)
    for table in TABLES:
        for (name, _), (raw, file, where) in merged.items():
            if name == table.name:
                _add_row(package, table, raw, file=file, line=None, where=where)


# ---------------------------------------------------------------------------------------
# Reading a package


def read_package(
    source: Path,
    *,
    known: dict[str, set[str]] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Package:
    """Every row of a package and every problem with it. Reads nothing outside `source`.

    A tabular package of HSDS 1.1 or 2.0 is converted to HSDS 3 rows first
    (`hsds_upgrade`); `Package.version` says which version was read.
    """
    source = Path(source)
    if source.is_file() and source.suffix.lower() == ".json":
        package = Package(source, "json")
        files = [source]
    elif source.is_dir() and ((source / "datapackage.json").exists() or any(source.glob("*.csv"))):
        package = Package(source, "tabular")
        files = []
    elif source.is_dir() and any(source.glob("*.json")):
        package = Package(source, "json")
        files = sorted(source.glob("*.json"))
    else:
        package = Package(source, "unknown")
        package.problems.append(
            Problem(
                source.name,
                None,
                "is neither a folder of HSDS CSV files, a datapackage, nor HSDS JSON",
            )
        )
        return package
    try:
        if package.form == "json":
            _read_json(package, files)
        else:
            paths = _tabular_paths(source, package)
            package.version = hsds_upgrade.detect_version(paths)
            if package.version != hsds_upgrade.V3:
                _read_older(package, paths, known=known, progress=progress)
                _check_unique_ids(package)
                check_references(package, known=known)
                return package
            found = _tabular_files(paths, package)
            total = sum(_count_lines(path) for path in found.values())
            done = 0

            def step(count: int) -> None:
                nonlocal done
                done += count
                if progress:
                    progress(done, total)

            for table in TABLES:
                if table.name in found:
                    path = found[table.name]
                    try:
                        _read_csv(package, table, path, step)
                    except FileRefused as refused:
                        package.problems.append(Problem(path.name, None, refused.reason))
                        package.unreadable.add(table.name)
            if progress:
                progress(total, total)
    except FileRefused as refused:
        package.problems.append(Problem(refused.file or source.name, None, refused.reason))
        return package
    _check_unique_ids(package)
    check_references(package, known=known)
    return package


def _read_older(package: Package, paths: list[Path], *, known, progress) -> None:
    """An HSDS 1.1 or 2.0 package, converted to HSDS 3 rows and checked by the HSDS 3 rules
    at the file and line each row came from."""
    conversion = hsds_upgrade.convert(paths, package.version, known=known, progress=progress)
    package.conversion = conversion.report
    package.problems.extend(conversion.problems)
    package.unreadable |= conversion.unreadable
    for table in TABLES:
        for row in conversion.rows.get(table.name, []):
            _add_row(package, table, row.values, file=row.file, line=row.line)


def column_headers(table: Table) -> list[str]:
    return [column.name for column in table.columns]


# Last: the conversion of older packages reads files with this module's helpers above.
from . import hsds_upgrade  # noqa: E402
