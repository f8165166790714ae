"""When a call was received, as an export says it: one column in a format, a date and a
time column, or the parts in columns of their own — and how much of it is known.

Public police crisis data often gives only the year, the month, the weekday and the hour.
Such a call is stored at the start of what is known (the first of the month, 00:00, in
the mapping's time zone) with its precision, and the weekday and hour beside it: a chart
then places it no finer than it is known. Pure: no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo

from django.utils.translation import gettext as _

from coresponder.calls.models import TimePrecision

from .classify import MappingError

LADDER = ("year", "month", "day", "hour", "minute")  # each needs the ones before it
PARTS = (*LADDER, "weekday")
# strptime directives that give each rung of the ladder (%j, the day of the year, gives
# the month and the day).
DIRECTIVES = {
    "year": set("Yy"),
    "month": set("mbBj"),
    "day": set("dj"),
    "hour": set("HI"),
    "minute": set("M"),
}
MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
WEEKDAYS = {
    name: number
    for number, names in enumerate(
        [
            ("monday", "mon"),
            ("tuesday", "tue", "tues"),
            ("wednesday", "wed"),
            ("thursday", "thu", "thur", "thurs"),
            ("friday", "fri"),
            ("saturday", "sat"),
            ("sunday", "sun"),
        ]
    )
    for name in names
}
DATE_ONLY = re.compile(r"\d{4}-?\d{2}-?\d{2}")
INTEGER = re.compile(r"\d{1,4}(?:\.0+)?")


def format_precision(fmt: str) -> str:
    """The finest rung a strptime format fills, each rung above it filled too."""
    directives = set(re.findall(r"%[-#]?([a-zA-Z])", fmt.replace("%%", "")))
    precision = ""
    for rung in LADDER:
        if not directives & DIRECTIVES[rung]:
            break
        precision = rung
    return precision


@dataclass(frozen=True)
class TimeSpec:
    """How a row says when its call was received.

    Either `columns` (one, or a date and a time joined with a space) read with `format`
    (strptime codes, or "iso"), or `parts`: a column for each of year, month, day, hour,
    minute and weekday the export has."""

    columns: tuple[str, ...] = ()
    format: str = ""
    parts: dict[str, str] = field(default_factory=dict)

    @property
    def precision(self) -> str:
        """The precision of every row (for "iso", the finest a row may have)."""
        if self.parts:
            known = ""
            for rung in LADDER:
                if rung not in self.parts:
                    break
                known = rung
            return known
        return "minute" if self.format == "iso" else format_precision(self.format)

    @property
    def read(self) -> tuple[str, ...]:
        """The columns read, in the order the mapping names them."""
        if self.parts:
            return tuple(self.parts[part] for part in PARTS if part in self.parts)
        return self.columns

    @property
    def label(self) -> str:
        return ", ".join(self.read)


def parse_spec(table: dict, where: str = "[received_at]") -> TimeSpec:
    """The time spec of a mapping's [received_at] table, or MappingError saying why not."""
    has_column, has_columns = "column" in table, "columns" in table
    has_parts = "parts" in table
    if has_column + has_columns + has_parts != 1:
        raise MappingError(
            f"{where}: give one of column (with format), columns (a date and a time column, "
            "with format), or a [received_at.parts] table."
        )
    if has_parts:
        return _parts_spec(table, where)
    if has_column:
        column = table["column"]
        if not isinstance(column, str) or not column.strip():
            raise MappingError(f"{where} column must be a non-empty string.")
        columns: tuple[str, ...] = (column.strip(),)
    else:
        raw = table["columns"]
        if (
            not isinstance(raw, list)
            or not 1 <= len(raw) <= 3
            or not all(isinstance(name, str) and name.strip() for name in raw)
        ):
            raise MappingError(
                f"{where} columns must be a list of one to three column names, such as "
                '["Date", "Time"]: their values are joined with a space before format reads '
                "them."
            )
        columns = tuple(name.strip() for name in raw)
    fmt = table.get("format")
    if not isinstance(fmt, str) or not fmt.strip():
        raise MappingError(f"{where} format must be a non-empty string.")
    fmt = fmt.strip()
    _check_format(fmt, where)
    if fmt == "iso" and len(columns) > 1:
        raise MappingError(f'{where}: format "iso" reads one column.')
    return TimeSpec(columns=columns, format=fmt)


def _check_format(fmt: str, where: str) -> None:
    if fmt == "iso":
        return
    if "%" not in fmt:
        raise MappingError(f'{where} format {fmt!r} has no % directive; or use "iso".')
    sample = datetime(2001, 2, 3, 16, 5, 6, tzinfo=UTC)
    try:
        datetime.strptime(sample.strftime(fmt), fmt)  # noqa: DTZ007 - checking the format only
    except ValueError as error:
        raise MappingError(f"{where} format {fmt!r} cannot be used: {error}.") from None
    if not format_precision(fmt):
        raise MappingError(
            f"{where} format {fmt!r} has no year (%Y or %y): a call needs at least its year."
        )


def _parts_spec(table: dict, where: str) -> TimeSpec:
    if "format" in table:
        raise MappingError(f"{where}: format is for column or columns, not for parts.")
    parts = table["parts"]
    if not isinstance(parts, dict) or not parts:
        raise MappingError(f"{where}.parts must be a table of part = column name.")
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        raise MappingError(
            f"{where}.parts: unknown part {', '.join(unknown)}; use {', '.join(PARTS)}."
        )
    for part, column in parts.items():
        if not isinstance(column, str) or not column.strip():
            raise MappingError(f"{where}.parts {part} must be a column name.")
    parts = {part: column.strip() for part, column in parts.items()}
    if "year" not in parts:
        raise MappingError(f"{where}.parts needs the year: a call needs at least its year.")
    if "day" in parts and "month" not in parts:
        raise MappingError(f"{where}.parts: a day needs its month.")
    if "minute" in parts and "hour" not in parts:
        raise MappingError(f"{where}.parts: a minute needs its hour.")
    return TimeSpec(parts=parts)


@dataclass(frozen=True)
class Received:
    """A row's time: the start of what is known, in UTC, and how much is known."""

    at: datetime
    precision: str = TimePrecision.MINUTE
    weekday: int | None = None  # 0 = Monday; only when the day is not known
    hour: int | None = None  # only when the day is not known


# Known only to its day, month or year, a call's time is a span of the calendar: it is
# placed on the program's calendar (`calendar`), where its periods and pages read it, not
# on the export's clock, or "March" in New York would read as February in Denver.
CALENDAR_PRECISIONS = frozenset({"year", "month", "day"})


def read(
    spec: TimeSpec, cells: dict[str, str], zone: tzinfo, calendar: tzinfo | None = None
) -> Received | str:
    """The time a row's cells (column: text) give, or the reason they do not."""
    calendar = calendar or zone
    if spec.parts:
        return _read_parts(spec, cells, calendar if spec.precision in CALENDAR_PRECISIONS else zone)
    text = " ".join(cells[column].strip() for column in spec.columns).strip()
    if not text:
        return _("%(column)s is empty.") % {"column": spec.label}
    try:
        if spec.format == "iso":
            moment = datetime.fromisoformat(text)
            precision = "day" if DATE_ONLY.fullmatch(text) else "minute"
        else:
            moment = datetime.strptime(text, spec.format)  # noqa: DTZ007 - given its zone below
            precision = spec.precision
    except ValueError:
        return _("%(column)s is not a date and time in the format %(format)s.") % {
            "column": spec.label,
            "format": spec.format,
        }
    if moment.tzinfo is None:
        # An hour that happens twice (autumn) is taken as the first, as zoneinfo does.
        moment = moment.replace(tzinfo=calendar if precision in CALENDAR_PRECISIONS else zone)
    try:
        return Received(moment.astimezone(UTC), precision)
    except OverflowError:  # 0001-01-01 00:00 east of UTC: no instant a database holds
        return _unplaceable(spec, moment)


def _unplaceable(spec: TimeSpec, moment: datetime) -> str:
    zone = getattr(moment.tzinfo, "key", None) or moment.tzname()
    return _("%(column)s cannot be placed in time from the zone %(zone)s.") % {
        "column": spec.label,
        "zone": zone,
    }


RANGES = {"year": (1, 9999), "month": (1, 12), "day": (1, 31), "hour": (0, 23), "minute": (0, 59)}
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _not_a(part: str, column: str) -> str:
    words = {
        "year": _("%(column)s is not a year."),
        "month": _("%(column)s is not a month (1 to 12, or its name)."),
        "day": _("%(column)s is not a day of the month (1 to 31)."),
        "hour": _("%(column)s is not an hour (0 to 23)."),
        "minute": _("%(column)s is not a minute (0 to 59)."),
        "weekday": _("%(column)s is not a weekday (Monday to Sunday, or Mon to Sun)."),
    }[part]
    return words % {"column": column}


def _part(part: str, text: str) -> int | None:
    lowered = text.lower().rstrip(".")
    if part == "weekday":
        return WEEKDAYS.get(lowered)
    if part == "month" and lowered in MONTHS:
        return MONTHS[lowered]
    if not INTEGER.fullmatch(text):
        return None
    value = int(float(text))  # "3.0": a spreadsheet's number
    low, high = RANGES[part]
    return value if low <= value <= high else None


def _read_parts(spec: TimeSpec, cells: dict[str, str], zone: tzinfo) -> Received | str:
    values, reasons = {}, []
    for part, column in spec.parts.items():
        text = cells[column].strip()
        value = _part(part, text) if text else None
        if value is None:
            reasons.append(
                _("%(column)s is empty.") % {"column": column} if not text else _not_a(part, column)
            )
        else:
            values[part] = value
    if reasons:
        return " ".join(reasons)

    day_known = "day" in values
    try:
        local = datetime(  # noqa: DTZ001 - given its zone on the next line
            values["year"],
            values.get("month", 1),
            values.get("day", 1),
            values.get("hour", 0) if day_known else 0,
            values.get("minute", 0) if day_known else 0,
        ).replace(tzinfo=zone)
    except ValueError:
        return _("%(columns)s do not make a date.") % {"columns": spec.label}
    weekday, hour = values.get("weekday"), values.get("hour")
    if day_known:
        if weekday is not None and weekday != local.weekday():
            column = spec.parts["weekday"]
            return _("%(column)s says %(said)s, but that date is a %(found)s.") % {
                "column": column,
                "said": cells[column].strip(),
                "found": DAY_NAMES[local.weekday()],
            }
        weekday = hour = None  # the date itself says them
    try:
        return Received(local.astimezone(UTC), spec.precision, weekday, hour)
    except OverflowError:
        return _unplaceable(spec, local)
