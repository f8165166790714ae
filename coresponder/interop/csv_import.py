"""Past calls from a CAD export (CSV), with a mapping file that says which column is what.

Exports differ between vendors and cities, so the columns are named in a TOML mapping
(`mappings/*.toml`; the format is in docs/operations.md). Imported calls are closed
history: triaged by the program's rules in force, never dispatched. The whole file is one
transaction: a row that cannot stand goes to the rejected-rows file with its line number
and reason, and the rest is written — a row with bytes the mapping's encoding cannot read,
or a field over the CSV reader's limit, is such a row; a file that cannot be read at all,
or whose header cannot, leaves nothing behind.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import math
import os
import re
import tempfile
import time
import zoneinfo
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coresponder.accounts.models import Program
from coresponder.calls import triage
from coresponder.calls.actions import (
    IMPORT_BATCH,
    CallIn,
    CheckedCall,
    ReportedOutcome,
    problems_with,
    rules_in_force,
    take_calls,
)
from coresponder.calls.models import OTHER_OUTCOME, Call
from coresponder.core.audit import Actor
from coresponder.core.exceptions import DomainError
from coresponder.core.spreadsheet import safe_csv_writer
from coresponder.encounters.dispositions import Disposition

from . import events
from .classify import (
    MAPPINGS_DIR,
    MappingError,
    TextRule,
    classify,
    load_rules,
    parse_rules,
    read_toml,
    rules_path,
)
from .received import TimeSpec, parse_spec
from .received import read as read_received

BATCH = IMPORT_BATCH  # rows checked for duplicates, numbered and inserted together
PROGRESS_EVERY = 1000
SCAN_CHUNK = 1 << 20
EXTERNAL_ID_MAX = 64
TEXT_FIELDS = ("address", "summary", "caller_name", "caller_phone", "language")
TOP_KEYS = {
    "description",
    "encoding",
    "delimiter",
    "external_id",
    "received_at",
    "source",
    "latitude",
    "longitude",
    "classify",
    "outcome",
    *TEXT_FIELDS,
}
OUTCOME_MAX = 200  # Call.reported_outcome
# What an outcome column's value may become: a disposition, "other", or "" for none.
OUTCOME_CODES = (*(code.value for code in Disposition), OTHER_OUTCOME, "")
PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
UNDECODED = re.compile("[\udc80-\udcff]")
OTHER_ENCODINGS = "cp1252 or latin-1"


class ImportRefused(DomainError):
    """The file as a whole cannot be imported; nothing was written."""

    code = "import_refused"
    status = 422


# --- the mapping --------------------------------------------------------------------------


@dataclass(frozen=True)
class TextSpec:
    """A text field from one column, or from a template naming columns: `{Beat}, {Sector}`."""

    parts: tuple[tuple[str, str | None], ...]  # (literal text, column or None)

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(column for _text, column in self.parts if column is not None)


@dataclass(frozen=True)
class OutcomeSpec:
    """An outcome column: its values, upper case, to one of the program's dispositions,
    "other" (an outcome none of them describes) or "" (no outcome)."""

    column: str
    values: dict[str, str]
    default: str | None  # for values not listed; None rejects them

    def outcome(self, text: str) -> str | None:
        """The disposition a value says ("" for none), or None when it is not listed."""
        if not text:
            return ""
        return self.values.get(text.upper(), self.default)


@dataclass(frozen=True)
class Mapping:
    name: str
    description: str
    encoding: str
    delimiter: str
    external_id: str
    received: TimeSpec
    time_zone: str | None  # None: the program's
    source_column: str | None
    source_value: str | None  # a fixed source when there is no column
    source_values: dict[str, str]  # the column's value, upper case, to a source
    source_default: str | None  # for values not listed; None rejects them
    latitude: str | None
    longitude: str | None
    texts: dict[str, TextSpec]
    classify_columns: tuple[str, ...]
    rules: tuple[TextRule, ...]
    outcomes: tuple[OutcomeSpec, ...] = ()

    @property
    def outcome_covers(self) -> list[str]:
        """The dispositions the outcome columns can say: a figure counts an imported
        outcome only where its export could have told it."""
        said = set()
        for spec in self.outcomes:
            said |= {*spec.values.values(), spec.default}
        return sorted(said - {None, "", OTHER_OUTCOME})

    @property
    def columns(self) -> list[str]:
        """Every column the mapping reads, in the order a reader would look for them."""
        named = [self.external_id, *self.received.read, self.source_column]
        named += [self.latitude, self.longitude, *self.classify_columns]
        named += [spec.column for spec in self.outcomes]
        for spec in self.texts.values():
            named += spec.columns
        return list(dict.fromkeys(column for column in named if column))


def _table(data: dict, key: str, allowed: set[str], *, required: bool = False) -> dict | None:
    value = data.get(key)
    if value is None:
        if required:
            raise MappingError(f"[{key}] is missing: say which column gives it.")
        return None
    if not isinstance(value, dict):
        raise MappingError(f"{key} must be a table ([{key}]).")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise MappingError(
            f"[{key}]: unknown key {', '.join(unknown)}; use {', '.join(sorted(allowed))}."
        )
    return value


def _text(table: dict, key: str, name: str, *, required: bool = True) -> str | None:
    value = table.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise MappingError(f"[{name}] {key} must be a non-empty string.")
    return value.strip()


def _column(data: dict, key: str, *, required: bool = False) -> str | None:
    table = _table(data, key, {"column"}, required=required)
    return None if table is None else _text(table, "column", key)


def _template(text: str) -> TextSpec:
    parts, last = [], 0
    for found in PLACEHOLDER.finditer(text):
        parts.append((text[last : found.start()], found[1].strip()))
        last = found.end()
    parts.append((text[last:], None))
    return TextSpec(tuple(parts))


def _text_spec(data: dict, key: str) -> TextSpec | None:
    table = _table(data, key, {"column", "template"})
    if table is None:
        return None
    if ("column" in table) == ("template" in table):
        raise MappingError(f"[{key}]: give either column or template.")
    if "column" in table:
        return TextSpec((("", _text(table, "column", key)),))
    spec = _template(_text(table, "template", key))
    if not spec.columns:
        raise MappingError(f"[{key}] template names no column; write columns as {{Name}}.")
    return spec


def _time_zone(name: str, where: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise MappingError(
            f"{where}: unknown time zone {name!r}; use an IANA name such as America/Chicago."
        ) from None


def mapping_path(name: str) -> Path:
    """A shipped mapping by name (`seattle-call-data`), or a path to a TOML file."""
    if "/" not in name and "\\" not in name and not name.endswith(".toml"):
        return MAPPINGS_DIR / f"{name}.toml"
    return Path(name)


def shipped_mappings() -> list[str]:
    return sorted(
        path.stem for path in MAPPINGS_DIR.glob("*.toml") if "received_at" in read_toml(path, "")
    )


def load_mapping(name: str) -> Mapping:
    """Reads and checks a mapping file; refuses the first thing wrong with it by name."""
    path = mapping_path(name)
    if not path.is_file() and path.parent == MAPPINGS_DIR:
        raise MappingError(
            f"No mapping is named {name!r}; shipped: {', '.join(shipped_mappings())}, "
            "or give the path of a TOML file."
        )
    data = read_toml(path, "The mapping file")
    try:
        return _parse_mapping(data, path)
    except MappingError as error:
        raise MappingError(f"{path.name}: {error}") from None


def _parse_mapping(data: dict, path: Path) -> Mapping:
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        raise MappingError(f"unknown key {', '.join(unknown)}; use {', '.join(sorted(TOP_KEYS))}.")
    encoding = data.get("encoding", "utf-8-sig")
    try:
        codecs.lookup(encoding)
    except (LookupError, TypeError):
        raise MappingError(f"unknown encoding {encoding!r}.") from None
    delimiter = data.get("delimiter", ",")
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in '"\r\n':
        raise MappingError("delimiter must be one character (not a quote or line break).")

    external_id = _column(data, "external_id", required=True)
    received = _table(
        data, "received_at", {"column", "columns", "format", "parts", "time_zone"}, required=True
    )
    received_spec = parse_spec(received)
    time_zone = _text(received, "time_zone", "received_at", required=False)
    if time_zone is not None:
        _time_zone(time_zone, "[received_at]")

    source = _table(data, "source", {"column", "value", "values", "default"}, required=True)
    source_column = _text(source, "column", "source", required=False)
    source_value = _text(source, "value", "source", required=False)
    if (source_column is None) == (source_value is None):
        raise MappingError("[source]: give either column (with values) or a fixed value.")
    known = triage.Source._value2member_map_
    values = source.get("values", {})
    if not isinstance(values, dict) or (source_value and values):
        raise MappingError("[source.values] is a table of column value = source, for a column.")
    for label, value in [("value", source_value), ("default", source.get("default"))] + [
        (f"values.{key!r}", value) for key, value in values.items()
    ]:
        if value is not None and value not in known:
            raise MappingError(
                f"[source] {label}: unknown source {value!r}; use {', '.join(known)}."
            )

    latitude, longitude = _column(data, "latitude"), _column(data, "longitude")
    if (latitude is None) != (longitude is None):
        raise MappingError("give both [latitude] and [longitude], or neither.")
    texts = {key: spec for key in TEXT_FIELDS if (spec := _text_spec(data, key)) is not None}
    if latitude is None and "address" not in texts:
        raise MappingError("say where calls were: [address], or [latitude] and [longitude].")

    classify_columns: tuple[str, ...] = ()
    rules: list[TextRule] = []
    table = _table(data, "classify", {"columns", "rules_file", "rules"})
    if table is not None:
        columns = table.get("columns")
        if (
            not isinstance(columns, list)
            or not columns
            or not all(isinstance(column, str) and column.strip() for column in columns)
        ):
            raise MappingError("[classify] columns must be a list of column names.")
        classify_columns = tuple(column.strip() for column in columns)
        rules_file = _text(table, "rules_file", "classify", required=False)
        if rules_file is not None:
            rules += load_rules(rules_path(rules_file, relative_to=path.parent))
        if "rules" in table:
            rules += parse_rules(table["rules"], "[[classify.rules]]")
        if not rules:
            raise MappingError(
                "[classify] needs rules: rules_file, or [[classify.rules]], or both."
            )

    outcomes = _outcome_specs(data.get("outcome"))

    return Mapping(
        name=path.stem,
        description=str(data.get("description", "")),
        encoding=encoding,
        delimiter=delimiter,
        external_id=external_id,
        received=received_spec,
        time_zone=time_zone,
        source_column=source_column,
        source_value=source_value,
        source_values={str(key).strip().upper(): value for key, value in values.items()},
        source_default=source.get("default"),
        latitude=latitude,
        longitude=longitude,
        texts=texts,
        classify_columns=classify_columns,
        rules=tuple(rules),
        outcomes=outcomes,
    )


def _outcome_specs(raw) -> tuple[OutcomeSpec, ...]:
    """[outcome], or [[outcome]] tables tried in order: the first that says an outcome
    (not "") gives the call's."""
    if raw is None:
        return ()
    tables = raw if isinstance(raw, list) else [raw]
    known = OUTCOME_CODES
    specs = []
    for table in tables:
        if not isinstance(table, dict):
            raise MappingError("[outcome] must be a table, or [[outcome]] tables.")
        unknown = sorted(set(table) - {"column", "values", "default"})
        if unknown:
            raise MappingError(
                f"[outcome]: unknown key {', '.join(unknown)}; use column, default, values."
            )
        column = _text(table, "column", "outcome")
        values = table.get("values", {})
        default = table.get("default")
        if not isinstance(values, dict) or (not values and default is None):
            raise MappingError(
                f"[outcome.values] for {column!r} is a table of column value = disposition."
            )
        for label, value in [("default", default)] + [
            (f"values.{key!r}", value) for key, value in values.items()
        ]:
            if value is not None and value not in known:
                raise MappingError(
                    f"[outcome] {label}: unknown disposition {value!r}; use "
                    f'{", ".join(code for code in known if code)}, or "" for no outcome.'
                )
        specs.append(
            OutcomeSpec(
                column=column,
                values={str(key).strip().upper(): value for key, value in values.items()},
                default=default,
            )
        )
    return tuple(specs)


# --- the file -----------------------------------------------------------------------------


@dataclass
class ImportReport:
    file: Path
    mapping: str
    dry_run: bool
    read: int = 0
    imported: int = 0
    rejected: Counter = field(default_factory=Counter)  # reason: rows
    seconds: float = 0.0
    rejects_path: Path | None = None
    received_from: datetime | None = None  # the earliest and latest call imported
    received_to: datetime | None = None

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    @property
    def rows_per_second(self) -> float:
        return self.read / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class _Scan:
    lines: int
    sha256: str


def _scan(path: Path) -> _Scan:
    """Reads the whole file once, before anything is written: its digest and its lines."""
    digest, lines, offset, last = hashlib.sha256(), 0, 0, b""
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(SCAN_CHUNK):
                digest.update(chunk)
                lines += chunk.count(b"\n")
                offset += len(chunk)
                last = chunk[-1:]
    except FileNotFoundError:
        raise ImportRefused(_("%(path)s does not exist.") % {"path": path}) from None
    except OSError as error:
        raise ImportRefused(
            _("%(path)s cannot be read: %(reason)s.") % {"path": path, "reason": error.strerror}
        ) from None
    if offset == 0:
        raise ImportRefused(_("The file is empty: it has no header row. Nothing was imported."))
    return _Scan(lines=lines + (last != b"\n"), sha256=digest.hexdigest())


def _undecoded(text: str) -> int | None:
    """The first byte the file's encoding could not read, kept in `text` as a lone
    surrogate by the "surrogateescape" error handler; None when it read them all."""
    if text.isascii():
        return None
    found = UNDECODED.search(text)
    return None if found is None else ord(found[0]) - 0xDC00


def _readable(text: str) -> str:
    """A cell with unreadable bytes, for the rejects file (UTF-8): each byte as U+FFFD."""
    return UNDECODED.sub("\ufffd", text)


class _Lines:
    """The file's physical lines, fed to `csv.reader`, counted as they go.

    When the reader gives up in the middle of a record (a field over its limit), the
    record's end is found from the quotes read since it began: a line ending with an even
    number of them ends the record, as in any CSV whose quotes inside a field are doubled.
    """

    def __init__(self, handle) -> None:
        self.handle = handle
        self.line = 0  # lines read so far
        self.quotes = 0  # quote characters since the record began
        self.undecoded = False  # the record has bytes the encoding could not read
        self.nul = False  # the record has a NUL character

    def __iter__(self):
        return self

    def __next__(self) -> str:
        text = next(self.handle)
        self.line += 1
        self.quotes += text.count('"')
        if not text.isascii() and UNDECODED.search(text):
            self.undecoded = True
        if "\x00" in text:
            self.nul = True
        return text

    def record_read(self) -> None:
        self.quotes, self.undecoded, self.nul = 0, False, False

    def skip_record(self) -> None:
        """Reads on to the end of the record the reader gave up on."""
        while self.quotes % 2 and next(self, None) is not None:
            pass
        self.record_read()


class _DryRun(Exception):
    pass


@dataclass
class _Row:
    line: int
    cells: list[str]
    external_id: str
    call_in: CallIn
    decision: triage.Decision
    outcome: tuple[str, str] = ("", "")  # the disposition, and the export's words


class _Importer:
    """Checks rows one by one, and writes the good ones a batch at a time."""

    def __init__(self, *, mapping: Mapping, agency, header: list[str], zone, report) -> None:
        self.mapping, self.agency, self.program = mapping, agency, agency.program
        self.report, self.zone = report, zone
        self.rule_set = rules_in_force(self.program)
        self.bounds = self.program.time_bounds(timezone.now())
        self.rules = self.rule_set.parsed()
        self.header, self.width = header, len(header)
        index = {}
        for position, name in enumerate(header):
            index.setdefault(name, position)
        self.index = index
        self.seen: set[str] = set()
        self.pending: list[_Row] = []
        self.rejects: list[tuple[int, str, list[str]]] = []
        self.classified: dict[tuple[str, ...], tuple[list[str], list[str]]] = {}
        self.decisions: dict[tuple, triage.Decision] = {}
        self.texts = {
            name: tuple(
                (text, None if column is None else index[column]) for text, column in spec.parts
            )
            for name, spec in mapping.texts.items()
        }
        self.classify_at = tuple(index[column] for column in mapping.classify_columns)
        self.time_columns = mapping.received.read
        self.covers = tuple(mapping.outcome_covers)
        # The field of a problem, in the export's own words where the mapping names a column.
        self.label = {
            "external_id": mapping.external_id,
            "received_at": mapping.received.label,
            "source": mapping.source_column or "source",
            "latitude": mapping.latitude or "latitude",
            "longitude": mapping.longitude or "longitude",
        }
        for name, spec in mapping.texts.items():
            self.label[name] = spec.columns[0] if len(spec.columns) == 1 else name

    # One row: a reason it cannot stand, or a row ready to write.
    def check(self, line: int, cells: list[str]) -> _Row | str:
        mapping, index = self.mapping, self.index
        if len(cells) != self.width:
            return _("The row has %(found)d fields; the header has %(wanted)d.") % {
                "found": len(cells),
                "wanted": self.width,
            }
        reasons = []
        external_id = cells[index[mapping.external_id]].strip()
        if not external_id:
            reasons.append(_("%(column)s is empty.") % {"column": mapping.external_id})
        elif len(external_id) > EXTERNAL_ID_MAX or not external_id.isprintable():
            reasons.append(
                _("%(column)s is longer than 64 characters or holds control characters.")
                % {"column": mapping.external_id}
            )
        elif external_id in self.seen:
            reasons.append(
                _("%(column)s repeats an earlier row of this file.")
                % {"column": mapping.external_id}
            )
        received = read_received(
            mapping.received,
            {column: cells[index[column]] for column in self.time_columns},
            self.zone,
            self.program.zone,
        )
        if isinstance(received, str):
            reasons.append(received)
        source = self.source(cells, reasons)
        latitude = self.number(cells, mapping.latitude, reasons)
        longitude = self.number(cells, mapping.longitude, reasons)
        outcome = self.outcome(cells, reasons)
        if reasons:
            return " ".join(reasons)

        texts = {
            name: "".join(
                text + (cells[at].strip() if at is not None else "") for text, at in parts
            )
            for name, parts in self.texts.items()
        }
        key = tuple(cells[at] for at in self.classify_at)
        classified = self.classified.get(key)
        if classified is None:
            classified = self.classified[key] = classify(key, mapping.rules)
        concerns, screening = classified
        call_in = CallIn(
            source=source,
            concerns=concerns,
            screening=screening,
            latitude=latitude,
            longitude=longitude,
            received_at=received.at,
            received_precision=received.precision,
            received_weekday=received.weekday,
            received_hour=received.hour,
            external_id=external_id,
            **texts,
        )
        problems = problems_with(call_in, self.bounds)
        if problems:
            return " ".join(
                f"{self.label.get(name, name)}: {' '.join(messages)}"
                for name, messages in problems.items()
            )
        self.seen.add(external_id)
        decision = self.decide(source, concerns, screening)
        return _Row(line, cells, external_id, call_in, decision, outcome)

    def source(self, cells: list[str], reasons: list[str]) -> str:
        mapping = self.mapping
        if mapping.source_value is not None:
            return mapping.source_value
        value = cells[self.index[mapping.source_column]].strip().upper()
        found = mapping.source_values.get(value, mapping.source_default)
        if found is None:
            reasons.append(
                _("%(column)s has a value the mapping does not list.")
                % {"column": mapping.source_column}
            )
            return ""
        return found

    def outcome(self, cells: list[str], reasons: list[str]) -> tuple[str, str]:
        """The first outcome column that says one, and every outcome column's words."""
        found, words = "", []
        for spec in self.mapping.outcomes:
            text = cells[self.index[spec.column]].strip()
            disposition = spec.outcome(text)
            if disposition is None:
                reasons.append(
                    _("%(column)s has a value the mapping does not list.") % {"column": spec.column}
                )
                continue
            if text:
                words.append(f"{spec.column}: {text}")
            found = found or disposition
        said = "; ".join(words)
        if len(said) > OUTCOME_MAX:
            reasons.append(
                _("%(columns)s say more than %(limit)d characters.")
                % {
                    "columns": ", ".join(spec.column for spec in self.mapping.outcomes),
                    "limit": OUTCOME_MAX,
                }
            )
        return (found, said) if found else ("", "")

    def number(self, cells: list[str], column: str | None, reasons: list[str]) -> float | None:
        if column is None:
            return None
        text = cells[self.index[column]].strip()
        if not text:
            return None
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            reasons.append(_("%(column)s is not a number.") % {"column": column})
            return None
        return value

    def decide(self, source: str, concerns: list[str], screening: list[str]) -> triage.Decision:
        key = (source, tuple(concerns), tuple(screening))
        decision = self.decisions.get(key)
        if decision is None:
            facts = triage.CallFacts(
                source=triage.Source(source),
                concerns=frozenset(triage.Concern(value) for value in concerns),
                screening=frozenset(triage.Screening(value) for value in screening),
            )
            decision = self.decisions[key] = triage.triage(facts, self.rules)
        return decision

    def flush(self) -> None:
        """Writes the pending rows: those already in the program are rejected, not written."""
        pending, self.pending = self.pending, []
        if pending:
            known = set(
                Call.objects.filter(
                    program=self.program, external_id__in=[row.external_id for row in pending]
                ).values_list("external_id", flat=True)
            )
            if known:
                reason = _("%(column)s is already in the program.") % {
                    "column": self.mapping.external_id
                }
                self.rejects += [
                    (row.line, reason, row.cells) for row in pending if row.external_id in known
                ]
                pending = [row for row in pending if row.external_id not in known]
        calls = take_calls(
            [self.checked(row) for row in pending], agency=self.agency, rule_set=self.rule_set
        )
        if calls:
            report = self.report
            report.imported += len(calls)
            earliest = min(call.received_at for call in calls)
            latest = max(call.received_at for call in calls)
            report.received_from = min(earliest, report.received_from or earliest)
            report.received_to = max(latest, report.received_to or latest)

    def write_rejects(self, writer) -> None:
        for line, reason, cells in sorted(self.rejects, key=lambda item: item[0]):
            writer.writerow([line, reason, *cells])
            self.report.rejected[reason] += 1
        self.rejects.clear()

    def run(self, lines: _Lines, writer, *, total: int, progress) -> None:
        report = self.report
        reader = self.reader(lines)
        while True:
            line = lines.line + 1
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                # The reader cannot go on inside this record: skip to its end, reject it,
                # and read on with a new reader.
                lines.skip_record()
                report.read += 1
                self.rejects.append((line, self.unreadable(error), []))
                reader = self.reader(lines)
                continue
            undecoded, nul = lines.undecoded, lines.nul
            lines.record_read()
            if not cells:
                continue  # a blank line is not a row
            report.read += 1
            checked = (
                (undecoded and self.undecoded(cells))
                or (nul and self.nul(cells))
                or self.check(line, cells)
            )
            if isinstance(checked, str):
                self.rejects.append((line, checked, [_readable(cell) for cell in cells]))
            else:
                self.pending.append(checked)
            if len(self.pending) >= BATCH or len(self.rejects) >= BATCH:
                self.flush()
                self.write_rejects(writer)
            if progress is not None and report.read % PROGRESS_EVERY == 0:
                progress(lines.line, total)
        self.flush()
        self.write_rejects(writer)
        if progress is not None:
            progress(total, total)

    def undecoded(self, cells: list[str]) -> str:
        for name, cell in zip(self.header, cells, strict=False):
            byte = _undecoded(cell)
            if byte is not None:
                return _(
                    "%(column)s is not %(encoding)s text (byte 0x%(byte)02X): set encoding in "
                    "the mapping to the file's, such as %(others)s."
                ) % {
                    "column": name,
                    "encoding": self.mapping.encoding,
                    "byte": byte,
                    "others": OTHER_ENCODINGS,
                }
        return _(
            "The row is not %(encoding)s text: set encoding in the mapping to the file's, "
            "such as %(others)s."
        ) % {"encoding": self.mapping.encoding, "others": OTHER_ENCODINGS}

    def nul(self, cells: list[str]) -> str | None:
        """The first column the mapping reads that holds a NUL character, as a reason."""
        for column in self.mapping.columns:
            at = self.index[column]
            if at < len(cells) and "\x00" in cells[at]:
                return _("%(column)s holds a NUL character, which text may not.") % {
                    "column": column
                }
        return None

    def reader(self, lines: _Lines):
        return csv.reader(lines, delimiter=self.mapping.delimiter)

    def unreadable(self, error: csv.Error) -> str:
        if "field limit" in str(error):
            return _(
                "A field is longer than %(limit)s characters, the most a CSV field may hold "
                "here (or a quote is left open)."
            ) % {"limit": f"{csv.field_size_limit():,}"}
        return _("The row is not valid CSV: %(reason)s.") % {"reason": error}

    def checked(self, row: _Row) -> CheckedCall:
        disposition, words = row.outcome
        reported = (
            ReportedOutcome(disposition=disposition, outcome=words, covers=self.covers)
            if disposition
            else None
        )
        return CheckedCall(row.call_in, row.decision, reported)


def _refuse_unreadable_header(mapping: Mapping, header: list[str]) -> None:
    for name in header:
        byte = _undecoded(name)
        if byte is not None:
            raise ImportRefused(
                _(
                    "The header row is not %(encoding)s text (byte 0x%(byte)02X). Nothing was "
                    "imported; set encoding in the mapping to the file's, such as %(others)s."
                )
                % {"encoding": mapping.encoding, "byte": byte, "others": OTHER_ENCODINGS}
            )


def _refuse_missing_columns(mapping: Mapping, header: list[str]) -> None:
    missing = [column for column in mapping.columns if column not in header]
    if missing:
        raise ImportRefused(
            _(
                "The file has no column %(missing)s, which the mapping %(mapping)s reads. "
                "Its columns are: %(found)s. Nothing was imported."
            )
            % {
                "missing": ", ".join(repr(column) for column in missing),
                "mapping": mapping.name,
                "found": ", ".join(repr(column) for column in header),
            }
        )


def _actor(acting_user, agency) -> Actor:
    if acting_user is not None:
        return Actor.of_user(acting_user)
    return replace(Actor.system("import"), agency_id=agency.pk, agency_name=agency.name)


def import_calls(
    path: Path,
    *,
    mapping: Mapping,
    agency,
    rejects_path: Path,
    dry_run: bool = False,
    acting_user=None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Imports the calls of a CSV export as closed history of the agency's program.

    Raises `ImportRefused` when the file as a whole cannot be read: then nothing is written.
    """
    started = time.perf_counter()
    path = Path(path)
    program = agency.program
    zone = _time_zone(mapping.time_zone or program.time_zone, "The program")
    if not rejects_path.parent.is_dir():
        raise ImportRefused(
            _("The folder for rejected rows, %(folder)s, does not exist.")
            % {"folder": rejects_path.parent}
        )
    if rejects_path.resolve() == path.resolve():
        raise ImportRefused(_("The rejects file would overwrite the file being imported."))
    scan = _scan(path)
    report = ImportReport(file=path, mapping=mapping.name, dry_run=dry_run)
    part = tempfile.NamedTemporaryFile(  # noqa: SIM115 - renamed into place at the end
        "w",
        dir=rejects_path.parent,
        prefix=f".{rejects_path.name}.",
        suffix=".part",
        newline="",
        encoding="utf-8",
        delete=False,
    )
    try:
        # Bytes the encoding cannot read are kept as lone surrogates ("surrogateescape"):
        # the row holding them is rejected, not the file.
        with (
            part,
            path.open(encoding=mapping.encoding, errors="surrogateescape", newline="") as handle,
        ):
            lines = _Lines(handle)
            writer = safe_csv_writer(part)
            try:
                header = [
                    name.strip() for name in next(csv.reader(lines, delimiter=mapping.delimiter))
                ]
            except StopIteration:
                raise ImportRefused(
                    _("The file has no header row. Nothing was imported.")
                ) from None
            except csv.Error as error:
                raise ImportRefused(
                    _("The header row is not valid CSV (%(reason)s). Nothing was imported.")
                    % {"reason": error}
                ) from None
            lines.record_read()
            _refuse_unreadable_header(mapping, header)
            _refuse_missing_columns(mapping, header)
            writer.writerow(["line", "reason", *header])
            try:
                with transaction.atomic():
                    # Two imports into one program at once would each miss the other's
                    # duplicates: the second waits for the first.
                    Program.objects.select_for_update().filter(pk=program.pk).first()
                    importer = _Importer(
                        mapping=mapping, agency=agency, header=header, zone=zone, report=report
                    )
                    importer.run(lines, writer, total=scan.lines, progress=progress)
                    if report.imported and not dry_run:
                        events.calls_imported(
                            program=program,
                            actor=_actor(acting_user, agency),
                            detail={
                                "file": path.name,
                                "file_sha256": scan.sha256,
                                "mapping": mapping.name,
                                "agency": agency.name,
                                "read": report.read,
                                "imported": report.imported,
                                "rejected": report.rejected_total,
                                "received_from": report.received_from.isoformat(),
                                "received_to": report.received_to.isoformat(),
                            },
                        )
                    if dry_run:
                        raise _DryRun
            except _DryRun:
                pass
        os.replace(part.name, rejects_path)
        report.rejects_path = rejects_path
    finally:
        if os.path.exists(part.name):
            os.unlink(part.name)
    report.seconds = time.perf_counter() - started
    return report
