"""An uploaded CSV of past calls, read as the import page needs it: its header and first
rows to map, and the values of one column to map to sources or dispositions.

The checks here refuse a file the page cannot map at all — not text, not in the chosen
encoding, a header that is not CSV — before anything is stored. Rows past the sample are
the import's: a bad one is a rejected row there, with its line and reason, as on the
command line. Pure: no database.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .csv_import import OTHER_ENCODINGS, ImportRefused, _readable

SAMPLE_ROWS = 5
SNIFF_BYTES = 64 * 1024  # where a NUL byte says "not a text file"
DISTINCT_MAX = 60  # more values than this: not a column of codes
ENCODINGS = (
    ("utf-8-sig", "UTF-8"),
    ("cp1252", "Windows-1252 (Western Europe)"),
    ("latin-1", "ISO-8859-1 (Latin-1)"),
    ("utf-16", "UTF-16"),
)
DELIMITERS = ((",", ", (comma)"), (";", "; (semicolon)"), ("\t", "tab"), ("|", "| (bar)"))


@dataclass(frozen=True)
class Preview:
    header: list[str]
    sample: list[list[str]]


def _text(content: bytes, encoding: str) -> io.StringIO:
    return io.StringIO(content.decode(encoding, errors="surrogateescape"), newline="")


def _byte_at(error: UnicodeDecodeError) -> int:
    return error.object[error.start]


def preview(content: bytes, *, encoding: str, delimiter: str) -> Preview:
    """The header and the first rows, or `ImportRefused` saying why the file cannot be
    mapped: nothing is stored then."""
    if not content.strip():
        raise ImportRefused(_("The file is empty: it has no header row. Nothing was stored."))
    if b"\x00" in content[:SNIFF_BYTES] and not encoding.startswith("utf-16"):
        raise ImportRefused(
            _(
                "The file is not a CSV text file (it holds NUL bytes, as spreadsheets and "
                "archives do). Save it as CSV and upload that. Nothing was stored."
            )
        )
    head = content[:SNIFF_BYTES]
    lines = head.splitlines(keepends=True)
    # The header and the sample rows must read in the chosen encoding: a mismatch there
    # means the choice is wrong for the whole file.
    if len(content) > SNIFF_BYTES:
        lines = lines[:-1]  # cut at SNIFF_BYTES: its last line may end mid-character
    wanted = b"".join(lines[: SAMPLE_ROWS + 1])
    try:
        wanted.decode(encoding)
    except UnicodeDecodeError as error:
        line = wanted[: error.start].count(b"\n") + 1
        raise ImportRefused(
            _(
                "Line %(line)d is not %(encoding)s text (byte 0x%(byte)02X). Choose the "
                "file's encoding, such as %(others)s. Nothing was stored."
            )
            % {
                "line": line,
                "encoding": encoding,
                "byte": _byte_at(error),
                "others": OTHER_ENCODINGS,
            }
        ) from None
    except LookupError:
        raise ImportRefused(_("Choose an encoding from the list.")) from None
    reader = csv.reader(_text(content, encoding), delimiter=delimiter)
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise ImportRefused(_("The file has no header row. Nothing was stored.")) from None
    except csv.Error as error:
        raise ImportRefused(
            _("The file is not valid CSV (%(reason)s). Nothing was stored.") % {"reason": error}
        ) from None
    if len(header) < 2:
        raise ImportRefused(
            _(
                "The header row has one column: is the file CSV, and is its delimiter the one "
                "chosen? Nothing was stored."
            )
        )
    if not all(header):
        raise ImportRefused(
            _("Column %(number)d of the header row has no name. Nothing was stored.")
            % {"number": header.index("") + 1}
        )
    repeated = sorted(name for name, count in Counter(header).items() if count > 1)
    if repeated:
        raise ImportRefused(
            _("The header row names %(columns)s more than once. Nothing was stored.")
            % {"columns": ", ".join(repeated)}
        )
    sample: list[list[str]] = []
    try:
        for row in reader:
            if row:
                # Shown as text, kept as JSON: no NUL (PostgreSQL's JSON cannot hold one).
                sample.append([_readable(cell).replace("\x00", "") for cell in row])
            if len(sample) == SAMPLE_ROWS:
                break
    except csv.Error:
        pass  # a row the reader cannot read is the import's to reject, with its line
    return Preview(header=header, sample=sample)


def column_values(
    content: bytes, *, encoding: str, delimiter: str, column: str
) -> tuple[list[tuple[str, int]], bool]:
    """The distinct values of a column (stripped, upper case, as a mapping lists them)
    with their rows, most rows first; and whether there were more than `DISTINCT_MAX`."""
    reader = csv.reader(_text(content, encoding), delimiter=delimiter)
    try:
        at = [name.strip() for name in next(reader)].index(column)
    except (StopIteration, ValueError, csv.Error):
        return [], False
    counts: Counter = Counter()
    try:
        for row in reader:
            if len(row) > at:
                value = row[at].strip().upper()
                if value:
                    counts[value] += 1
    except csv.Error:
        pass  # the import rejects that row; the values before it are the ones to map
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ordered[:DISTINCT_MAX], len(ordered) > DISTINCT_MAX
