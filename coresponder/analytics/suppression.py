"""Small-cell suppression for the public transparency page.

The page shows a program's outcomes month by month and for the whole period. Each month's calls
are split three independent ways -- arrested or not, voluntary engagement or other outcome, force
used or not -- and the whole-period row is the sum of the months. A reader therefore knows a set
of equations: within every row ``calls = arrests + not_arrested`` (and likewise for the other two
splits), and down every column ``sum of the months = whole period``.

The rule:

* a count from 1 to 10 is shown as "fewer than 11" (primary suppression);
* a zero is shown as 0, so a reader knows every hidden cell is at least 1;
* more cells are shown as "suppressed" (complementary suppression) until no hidden cell can be
  pinned to a single value from the published numbers and the equations.

Complementary cells are chosen by repeating, until no hidden cell is pinned: work out what a
reader can deduce (each hidden cell's interval, narrowed equation by equation until stable); take
the first equation that pins a hidden cell on its own (only one hidden cell, or hidden cells whose
known sum leaves no freedom), else the first equation holding a pinned cell; hide the smallest
non-zero published cell of that equation. A month's calls may be hidden this way, which then
involves its column. If no published cell is left to hide, ``CannotProtectTable`` is raised
rather than a table that gives a count away.

Interval narrowing is weaker than a reader who solves the equations together; the tests check
every table against such a reader (an integer program), not against this module's own reasoning.

Rates are shown only when both of their counts are shown, so a rate never reveals a hidden count.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeAlias

FEWER_THAN_11 = "fewer than 11"
SUPPRESSED = "suppressed"

SMALLEST_SHOWN = 11

# Each split of a row's calls: calls = first + second.
SPLITS = (
    ("arrests", "not_arrested"),
    ("voluntary", "not_voluntary"),
    ("force", "no_force"),
)
MEASURES = ("calls", *(measure for split in SPLITS for measure in split))

# A cell of the table: (row index, measure); the whole-period row comes after the months.
_Position: TypeAlias = tuple[int, str]
# A published equation: sum of coefficient * cell == 0.
_Equation: TypeAlias = tuple[tuple[_Position, int], ...]
# What a reader can deduce about a cell: lowest and highest value (None: no upper limit).
_Interval: TypeAlias = tuple[int, int | None]


class CannotProtectTable(ValueError):
    """No published cell is left to hide, yet a hidden count can still be worked out."""


@dataclass(frozen=True)
class MonthCounts:
    month: int  # yyyymm
    calls: int
    arrests: int
    voluntary: int
    force: int

    def __post_init__(self) -> None:
        if self.calls < 0:
            raise ValueError(f"{self.month}: calls cannot be negative")
        for name in ("arrests", "voluntary", "force"):
            if not 0 <= getattr(self, name) <= self.calls:
                raise ValueError(f"{self.month}: {name} must be between 0 and calls")


@dataclass(frozen=True)
class Cell:
    value: int | None  # None whenever the count is not shown
    shown: str  # the number, FEWER_THAN_11 or SUPPRESSED

    @property
    def is_shown(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class PublicRow:
    month: int | None  # None for the whole-period row
    calls: Cell
    arrests: Cell
    not_arrested: Cell
    voluntary: Cell
    not_voluntary: Cell
    force: Cell
    no_force: Cell
    arrest_free_percent: Decimal | None
    voluntary_percent: Decimal | None
    force_percent: Decimal | None


@dataclass(frozen=True)
class PublicTable:
    months: tuple[PublicRow, ...]
    whole_period: PublicRow


def suppress(months: list[MonthCounts]) -> PublicTable:
    """The table as it may be published, with small counts and their complements hidden."""
    if len({m.month for m in months}) != len(months):
        raise ValueError("each month may appear only once")
    months = sorted(months, key=lambda m: m.month)
    counts = _counts_by_position(months)
    hidden = _cells_to_hide(counts, _equations(len(months)))
    rows = [_public_row(row, month.month, counts, hidden) for row, month in enumerate(months)]
    return PublicTable(
        months=tuple(rows),
        whole_period=_public_row(len(months), None, counts, hidden),
    )


def _counts_by_position(months: list[MonthCounts]) -> dict[_Position, int]:
    counts: dict[_Position, int] = {}
    for row, m in enumerate(months):
        counts[row, "calls"] = m.calls
        counts[row, "arrests"] = m.arrests
        counts[row, "not_arrested"] = m.calls - m.arrests
        counts[row, "voluntary"] = m.voluntary
        counts[row, "not_voluntary"] = m.calls - m.voluntary
        counts[row, "force"] = m.force
        counts[row, "no_force"] = m.calls - m.force
    whole_period = len(months)
    for measure in MEASURES:
        counts[whole_period, measure] = sum(counts[row, measure] for row in range(whole_period))
    return counts


def _equations(month_count: int) -> list[_Equation]:
    """Every equation a reader can write down: row splits first, then columns."""
    equations: list[_Equation] = []
    for row in range(month_count + 1):
        for first, second in SPLITS:
            equations.append((((row, "calls"), 1), ((row, first), -1), ((row, second), -1)))
    whole_period = month_count
    for measure in MEASURES:
        months = tuple(((row, measure), 1) for row in range(month_count))
        equations.append((*months, ((whole_period, measure), -1)))
    return equations


def _cells_to_hide(counts: dict[_Position, int], equations: list[_Equation]) -> set[_Position]:
    primary = {position for position, value in counts.items() if 1 <= value < SMALLEST_SHOWN}
    hidden = set(primary)
    while True:
        known = _what_a_reader_knows(counts, hidden, primary)
        deduced = _what_a_reader_deduces(known, equations, hidden)
        pinned = {position for position in hidden if deduced[position][0] == deduced[position][1]}
        if not pinned:
            return hidden
        # Mend an equation that gives a cell away on its own first: hiding a cell there is what
        # protects it. Only then mend equations that give a cell away taken together.
        alone = [eq for eq in equations if _gives_a_cell_away(eq, known, hidden)]
        together = [eq for eq in equations if any(position in pinned for position, _ in eq)]
        complement = _first_complement(counts, [*alone, *together], hidden)
        if complement is None:
            raise CannotProtectTable(sorted(pinned))
        hidden.add(complement)


def _gives_a_cell_away(
    equation: _Equation, known: dict[_Position, _Interval], hidden: set[_Position]
) -> bool:
    for position, coefficient in equation:
        if position in hidden:
            low, high = _narrow(known, equation, position, coefficient)
            if low == high:
                return True
    return False


def _first_complement(
    counts: dict[_Position, int], equations: list[_Equation], hidden: set[_Position]
) -> _Position | None:
    """The smallest non-zero published cell of the first equation that has one."""
    for equation in equations:
        candidates = [
            position for position, _ in equation if position not in hidden and counts[position] > 0
        ]
        if candidates:
            # Ties go to the earlier cell of the equation, to stay deterministic.
            return min(candidates, key=lambda position: counts[position])
    return None


def _what_a_reader_knows(
    counts: dict[_Position, int], hidden: set[_Position], primary: set[_Position]
) -> dict[_Position, _Interval]:
    """Each cell's interval from the page alone: shown cells exactly, "fewer than 11" cells in
    1..10, "suppressed" cells at least 1 (zeros are always shown)."""
    known: dict[_Position, _Interval] = {}
    for position, value in counts.items():
        if position not in hidden:
            known[position] = (value, value)
        elif position in primary:
            known[position] = (1, SMALLEST_SHOWN - 1)
        else:
            known[position] = (1, None)
    return known


def _what_a_reader_deduces(
    known: dict[_Position, _Interval], equations: list[_Equation], hidden: set[_Position]
) -> dict[_Position, _Interval]:
    """Each cell's interval, narrowed by every equation in turn until none narrows further.

    Counts are whole numbers and so are the bounds, so this ends: every narrowing shrinks an
    interval that always holds the true count.
    """
    intervals = dict(known)
    changed = True
    while changed:
        changed = False
        for equation in equations:
            for position, coefficient in equation:
                if position not in hidden:
                    continue
                narrowed = _narrow(intervals, equation, position, coefficient)
                if narrowed != intervals[position]:
                    intervals[position] = narrowed
                    changed = True
    return intervals


def _narrow(
    intervals: dict[_Position, _Interval],
    equation: _Equation,
    position: _Position,
    coefficient: int,
) -> _Interval:
    # coefficient * cell = -(sum of the other terms); bound that sum, then divide by +-1.
    low: int | None = 0
    high: int | None = 0
    for other, other_coefficient in equation:
        if other == position:
            continue
        other_low, other_high = intervals[other]
        if other_coefficient > 0:  # the term -other ranges over [-high, -low]
            low = None if low is None or other_high is None else low - other_high
            high = None if high is None else high - other_low
        else:  # the term +other ranges over [low, high]
            low = None if low is None else low + other_low
            high = None if high is None or other_high is None else high + other_high
    if coefficient < 0:
        low, high = (None if high is None else -high), (None if low is None else -low)
    own_low, own_high = intervals[position]
    new_low = own_low if low is None else max(own_low, low)
    if high is None:
        new_high = own_high
    elif own_high is None:
        new_high = high
    else:
        new_high = min(own_high, high)
    return new_low, new_high


def _public_row(
    row: int, month: int | None, counts: dict[_Position, int], hidden: set[_Position]
) -> PublicRow:
    cells = {
        measure: _public_cell(counts[row, measure], (row, measure) in hidden)
        for measure in MEASURES
    }
    return PublicRow(
        month=month,
        **cells,
        arrest_free_percent=_percent(cells["not_arrested"], cells["calls"]),
        voluntary_percent=_percent(cells["voluntary"], cells["calls"]),
        force_percent=_percent(cells["force"], cells["calls"]),
    )


def _public_cell(value: int, hidden: bool) -> Cell:
    if not hidden:
        return Cell(value=value, shown=str(value))
    return Cell(value=None, shown=FEWER_THAN_11 if value < SMALLEST_SHOWN else SUPPRESSED)


def _percent(part: Cell, whole: Cell) -> Decimal | None:
    # A rate from two shown counts tells a reader nothing the counts do not.
    if part.value is None or whole.value is None or whole.value == 0:
        return None
    return (Decimal(100 * part.value) / Decimal(whole.value)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )
