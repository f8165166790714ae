"""The one CSV writer of the program: cells a spreadsheet would run as a formula are made text.

A CSV the program writes is opened in Excel, LibreOffice or Google Sheets by someone. A
cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is read there as a
formula (CSV or formula injection): a caller's name typed as `=HYPERLINK(...)` would run
on a supervisor's desktop. OWASP's rule, followed here: such a text cell gets a single
quote in front, which spreadsheets show as text and do not run.

- Numbers the program writes as numbers (`int`, `float`, `Decimal`) are left alone, so
  `-3` stays a number; the same `-3` written as text is prefixed, as OWASP asks.
- `verbatim=True` writes cells as they are. It is for data-exchange files read by other
  programs, not people (the HSDS directory package, where a phone number is `+1 ...`), and
  a test allows it in those modules alone. docs/security.md gives the reasons.

Every `csv.writer` of the program comes from here; a test fails if one does not.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def neutralised(value: Any) -> Any:
    """The value, made text if a spreadsheet would otherwise run it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return QUOTE + value
    return value


class SafeCsvWriter:
    """`csv.writer`'s writerow/writerows, each text cell neutralised first."""

    def __init__(self, handle, *, verbatim: bool = False, **options) -> None:
        self._writer = csv.writer(handle, **options)
        self._verbatim = verbatim

    def writerow(self, row: Iterable[Any]) -> Any:
        if self._verbatim:
            return self._writer.writerow(row)
        return self._writer.writerow([neutralised(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def safe_csv_writer(handle, *, verbatim: bool = False, **options) -> SafeCsvWriter:
    """A CSV writer onto `handle` (a file or an HttpResponse); `options` go to csv.writer."""
    return SafeCsvWriter(handle, verbatim=verbatim, **options)


def neutralised_arrow_table(table):
    """The same rule for a pyarrow table written by pyarrow's own CSV writer (the
    de-identified extract): each text column's formula-starting cells get the quote."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = []
    for column in table.columns:
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            columns.append(column)
            continue
        starts = None
        for start in FORMULA_STARTS:
            hit = pc.starts_with(column, pattern=start)
            starts = hit if starts is None else pc.or_(starts, hit)
        quoted = pc.binary_join_element_wise(QUOTE, column, "")
        columns.append(pc.if_else(starts, quoted, column))
    return pa.Table.from_arrays(columns, schema=table.schema)
