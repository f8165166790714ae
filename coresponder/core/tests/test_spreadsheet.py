"""The one CSV writer: formula cells made text (OWASP), and no module writes CSV without it."""

from __future__ import annotations

import ast
import csv
import io
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from coresponder.core.spreadsheet import neutralised, neutralised_arrow_table, safe_csv_writer

PACKAGE = Path(__file__).resolve().parents[2]
WRITER_MODULE = PACKAGE / "core" / "spreadsheet.py"
# Data exchange read by other programs, written verbatim on purpose (docs/security.md).
VERBATIM_ALLOWED = {PACKAGE / "referrals" / "actions.py"}
# pyarrow's CSV writer, fed only through neutralised_arrow_table.
ARROW_CSV_ALLOWED = {PACKAGE / "analytics" / "deidentified.py"}


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://127.0.0.1/","x")', '\'=HYPERLINK("http://127.0.0.1/","x")'),
        ("+1 555 0100", "'+1 555 0100"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-3", "'-3"),
        ("Demo Alpha", "Demo Alpha"),
        ("a=b", "a=b"),
        ("", ""),
        (-3, -3),
        (-2.5, -2.5),
        (Decimal("-1.25"), Decimal("-1.25")),
        (None, None),
    ],
)
def test_a_cell_a_spreadsheet_would_run_is_made_text(cell, written):
    assert neutralised(cell) == written


def test_the_writer_writes_numbers_as_numbers_and_formulas_as_text():
    # given
    out = io.StringIO()

    # when
    safe_csv_writer(out).writerows([["name", "count"], ["=1+2", -4], ["Demo Alpha", 3]])

    # then
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["name", "count"],
        ["'=1+2", "-4"],
        ["Demo Alpha", "3"],
    ]


def test_verbatim_writes_cells_as_they_are():
    out = io.StringIO()

    safe_csv_writer(out, verbatim=True).writerow(["+1 555 0100", "=x"])

    assert out.getvalue() == "+1 555 0100,=x\r\n"


def test_an_arrow_table_gets_the_same_rule_on_its_text_columns():
    # given
    table = pa.table(
        {"code": ["arrest", "=cmd", None, "-x"], "count": pa.array([-1, 2, 3, 4], pa.int64())}
    )

    # when
    safe = neutralised_arrow_table(table)

    # then
    assert safe.schema == table.schema
    assert safe.column("code").to_pylist() == ["arrest", "'=cmd", None, "'-x"]
    assert safe.column("count").to_pylist() == [-1, 2, 3, 4]


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        if "tests" in path.relative_to(PACKAGE).parts or path == WRITER_MODULE:
            continue
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _calls(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            yield name, node


def offences(path: Path, tree) -> list[str]:
    """Where a module writes CSV past the one writer."""
    where = str(path.relative_to(PACKAGE))
    found = []
    for node in ast.walk(tree):
        writers = {"writer", "DictWriter"}
        if (
            isinstance(node, ast.ImportFrom)
            and node.module == "csv"
            and writers & {alias.name for alias in node.names}
        ):
            found.append(f"{where}:{node.lineno}: from csv import a writer")
    for name, call in _calls(tree):
        owner = getattr(getattr(call.func, "value", None), "id", "")
        if name in ("writer", "DictWriter") and owner == "csv":
            found.append(f"{where}:{call.lineno}: csv.{name}")
        if name in ("CSVWriter", "write_csv") and path not in ARROW_CSV_ALLOWED:
            found.append(f"{where}:{call.lineno}: pyarrow {name}")
        verbatim = any(
            k.arg == "verbatim" and not (isinstance(k.value, ast.Constant) and not k.value.value)
            for k in call.keywords
        )
        if name == "safe_csv_writer" and verbatim and path not in VERBATIM_ALLOWED:
            found.append(f"{where}:{call.lineno}: verbatim CSV")
    return found


def test_no_module_writes_csv_but_through_the_one_writer():
    # given every module of the program but the writer and the tests
    modules = list(_modules())

    # when each is read for CSV writers
    found = [offence for path, tree in modules for offence in offences(path, tree)]

    # then none writes CSV past the writer
    assert len(modules) > 100
    assert found == []


def test_the_check_finds_each_way_past_the_writer():
    # A check that finds nothing must be able to find something.
    source = (
        "import csv\nfrom csv import DictWriter\nimport pyarrow.csv as pacsv\n"
        "csv.writer(handle)\ncsv.DictWriter(handle, ['a'])\npacsv.write_csv(table, 'x.csv')\n"
        "safe_csv_writer(handle, verbatim=True)\nsafe_csv_writer(handle, verbatim=False)\n"
    )
    path = PACKAGE / "people" / "views.py"

    assert offences(path, ast.parse(source)) == [
        "people/views.py:2: from csv import a writer",
        "people/views.py:4: csv.writer",
        "people/views.py:5: csv.DictWriter",
        "people/views.py:6: pyarrow write_csv",
        "people/views.py:7: verbatim CSV",
    ]
