"""Small-cell suppression, checked the way a determined reader would attack it.

The reader knows every published number, every equation of the table, that a "fewer than 11" cell
is 1..10, that a "suppressed" cell is at least 1 (zeros are shown) and that counts are whole
numbers. For each hidden cell we ask an integer program for its least and greatest possible value;
the table is safe when every hidden cell keeps at least two possible values.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from coresponder.analytics.suppression import (
    FEWER_THAN_11,
    MEASURES,
    SPLITS,
    SUPPRESSED,
    MonthCounts,
    PublicTable,
    suppress,
)

NO_REAL_COUNT = 10**6

# What the page shows, cell by cell: (row, measure) -> shown text; the whole period is the last row.
Shown = dict[tuple[int, str], str]


def shown_cells(table: PublicTable) -> Shown:
    rows = [*table.months, table.whole_period]
    return {
        (index, measure): getattr(row, measure).shown
        for index, row in enumerate(rows)
        for measure in MEASURES
    }


def true_counts(months: list[MonthCounts]) -> dict[tuple[int, str], int]:
    counts = {}
    for index, m in enumerate(sorted(months, key=lambda m: m.month)):
        counts[index, "calls"] = m.calls
        counts[index, "arrests"] = m.arrests
        counts[index, "not_arrested"] = m.calls - m.arrests
        counts[index, "voluntary"] = m.voluntary
        counts[index, "not_voluntary"] = m.calls - m.voluntary
        counts[index, "force"] = m.force
        counts[index, "no_force"] = m.calls - m.force
    for measure in MEASURES:
        counts[len(months), measure] = sum(counts[i, measure] for i in range(len(months)))
    return counts


def naively_shown(months: list[MonthCounts]) -> Shown:
    """Only the small counts hidden, no complements: what the module must do better than."""
    return {
        position: FEWER_THAN_11 if 1 <= value <= 10 else str(value)
        for position, value in true_counts(months).items()
    }


def reader_model(shown: Shown):
    """The reader's knowledge as an integer program: variables, bounds and equations."""
    positions = sorted(shown)
    index = {position: i for i, position in enumerate(positions)}
    row_count = max(row for row, _ in positions) + 1
    equations = []
    for row in range(row_count):
        for first, second in SPLITS:
            equations.append({(row, "calls"): 1, (row, first): -1, (row, second): -1})
    for measure in MEASURES:
        column = {(row, measure): 1 for row in range(row_count - 1)}
        column[row_count - 1, measure] = -1
        equations.append(column)
    a_eq = np.zeros((len(equations), len(positions)))
    for e, equation in enumerate(equations):
        for position, coefficient in equation.items():
            a_eq[e, index[position]] = coefficient
    bounds = []
    for position in positions:
        text = shown[position]
        if text == FEWER_THAN_11:
            bounds.append((1, 10))
        elif text == SUPPRESSED:
            # a ceiling far above any count keeps the program bounded; it only helps the reader
            bounds.append((1, NO_REAL_COUNT))
        else:
            bounds.append((int(text), int(text)))
    return positions, index, a_eq, bounds


def reader_ranges(shown: Shown) -> dict[tuple[int, str], tuple[float, float]]:
    """The least and greatest value the reader can give each hidden cell."""
    positions, index, a_eq, bounds = reader_model(shown)
    b_eq = np.zeros(a_eq.shape[0])
    integral = np.ones(len(positions))
    ranges = {}
    for position in positions:
        if shown[position] not in (FEWER_THAN_11, SUPPRESSED):
            continue
        extremes = []
        for sign in (1, -1):
            objective = np.zeros(len(positions))
            objective[index[position]] = sign
            result = linprog(
                objective,
                A_eq=a_eq,
                b_eq=b_eq,
                bounds=bounds,
                integrality=integral,
                method="highs",
            )
            assert result.status == 0, result.message
            extremes.append(sign * result.fun)  # minimising -x gives -max
        ranges[position] = (extremes[0], extremes[1])
    return ranges


def assert_safe(months: list[MonthCounts]) -> PublicTable:
    table = suppress(months)
    shown = shown_cells(table)
    counts = true_counts(months)

    # no small count is ever printed, and zeros are
    for position, value in counts.items():
        if 1 <= value <= 10:
            assert shown[position] == FEWER_THAN_11, position
        elif value == 0:
            assert shown[position] == "0", position
        elif shown[position] != SUPPRESSED:
            assert shown[position] == str(value), position

    # sanity: the true table is one the reader must consider possible
    positions, _, a_eq, bounds = reader_model(shown)
    truth = np.array([counts[position] for position in positions])
    assert np.array_equal(a_eq @ truth, np.zeros(a_eq.shape[0]))
    for position, (low, high) in zip(positions, bounds, strict=True):
        assert low <= counts[position] <= high, position

    # the proof: no hidden cell can be pinned to one value
    for position, (least, greatest) in reader_ranges(shown).items():
        assert greatest - least >= 1 - 1e-6, (position, least, greatest, shown)
        assert least <= counts[position] <= greatest

    # rates only beside two shown counts
    for row in [*table.months, table.whole_period]:
        for percent, part in (
            (row.arrest_free_percent, row.not_arrested),
            (row.voluntary_percent, row.voluntary),
            (row.force_percent, row.force),
        ):
            both_shown = part.is_shown and row.calls.is_shown and row.calls.value > 0
            assert (percent is not None) == both_shown
    return table


def test_a_single_small_month_hides_its_small_counts_and_their_complements():
    # given one month in which 1 of 5 calls ended in arrest
    months = [MonthCounts(month=202401, calls=5, arrests=1, voluntary=3, force=0)]

    # when
    table = assert_safe(months)

    # then every non-zero count, the month's and the whole period's, is "fewer than 11"
    for row in (table.months[0], table.whole_period):
        assert [getattr(row, m).shown for m in MEASURES] == [
            FEWER_THAN_11,
            FEWER_THAN_11,
            FEWER_THAN_11,
            FEWER_THAN_11,
            FEWER_THAN_11,
            "0",
            FEWER_THAN_11,
        ]
        assert row.arrest_free_percent is None


def test_a_large_table_is_published_whole_with_its_rates():
    # given
    months = [
        MonthCounts(month=202401, calls=80, arrests=20, voluntary=40, force=12),
        MonthCounts(month=202402, calls=60, arrests=0, voluntary=30, force=0),
    ]

    # when
    table = assert_safe(months)

    # then
    assert all(
        getattr(row, m).is_shown for row in [*table.months, table.whole_period] for m in MEASURES
    )
    assert table.whole_period.calls.value == 140
    assert table.months[0].arrest_free_percent == Decimal("75.0")
    assert table.whole_period.force_percent == Decimal("8.6")


def test_one_small_count_needs_complements_and_the_naive_table_leaks():
    # given 3 arrests in January: alone, "fewer than 11" is undone by calls minus not arrested
    months = [
        MonthCounts(month=202401, calls=40, arrests=3, voluntary=20, force=15),
        MonthCounts(month=202402, calls=50, arrests=12, voluntary=30, force=20),
        MonthCounts(month=202403, calls=45, arrests=15, voluntary=25, force=25),
    ]

    # when the small count alone is hidden, the reader recovers it exactly
    assert reader_ranges(naively_shown(months)) == {(0, "arrests"): (3, 3)}

    # then the real table hides the smallest cells that keep it hidden
    table = assert_safe(months)
    shown = shown_cells(table)
    assert {p for p, text in shown.items() if text == SUPPRESSED} == {
        (0, "not_arrested"),
        (1, "arrests"),
        (1, "not_arrested"),
    }
    assert shown[0, "arrests"] == FEWER_THAN_11


def test_two_ones_in_a_column_are_not_given_away_by_its_total():
    # given one arrest in each of two months: hidden alone, the total of 2 would pin both to 1
    months = [
        MonthCounts(month=202401, calls=30, arrests=1, voluntary=15, force=11),
        MonthCounts(month=202402, calls=30, arrests=1, voluntary=15, force=11),
        MonthCounts(month=202403, calls=30, arrests=0, voluntary=15, force=11),
    ]

    # when the small counts and one complement per month are hidden, the reader still pins them
    naive = naively_shown(months) | {
        (0, "not_arrested"): SUPPRESSED,
        (1, "not_arrested"): SUPPRESSED,
    }
    assert reader_ranges(naive)[0, "arrests"] == (1, 1)

    # then
    assert_safe(months)


@pytest.mark.parametrize(
    "months",
    [
        pytest.param(
            [MonthCounts(month=202401, calls=15, arrests=7, voluntary=4, force=0)],
            id="both halves of a month small",
        ),
        pytest.param(
            [
                MonthCounts(month=202401, calls=2, arrests=1, voluntary=1, force=0),
                MonthCounts(month=202402, calls=3, arrests=0, voluntary=3, force=1),
                MonthCounts(month=202403, calls=1, arrests=1, voluntary=0, force=1),
            ],
            id="whole-period total small",
        ),
        pytest.param(
            [
                MonthCounts(month=202401, calls=9, arrests=2, voluntary=5, force=1),
                MonthCounts(month=202402, calls=40, arrests=20, voluntary=21, force=14),
                MonthCounts(month=202403, calls=35, arrests=12, voluntary=11, force=0),
            ],
            id="a month's calls small",
        ),
        pytest.param(
            [
                MonthCounts(month=202406, calls=22, arrests=11, voluntary=10, force=12),
                MonthCounts(month=202401, calls=18, arrests=1, voluntary=17, force=0),
                MonthCounts(month=202403, calls=0, arrests=0, voluntary=0, force=0),
                MonthCounts(month=202402, calls=11, arrests=11, voluntary=0, force=11),
                MonthCounts(month=202405, calls=60, arrests=50, voluntary=59, force=1),
                MonthCounts(month=202404, calls=13, arrests=2, voluntary=10, force=3),
            ],
            id="six months, out of order, with a zero month",
        ),
        pytest.param([], id="no months"),
    ],
)
def test_edge_cases_are_safe(months):
    assert_safe(months)


def test_months_are_published_in_order():
    table = suppress(
        [
            MonthCounts(month=202402, calls=30, arrests=0, voluntary=30, force=0),
            MonthCounts(month=202401, calls=20, arrests=0, voluntary=20, force=0),
        ]
    )

    assert [row.month for row in table.months] == [202401, 202402]
    assert table.whole_period.month is None


def test_inconsistent_counts_are_refused():
    with pytest.raises(ValueError, match="arrests must be between 0 and calls"):
        MonthCounts(month=202401, calls=3, arrests=4, voluntary=0, force=0)
    with pytest.raises(ValueError, match="each month may appear only once"):
        suppress([MonthCounts(202401, 1, 0, 0, 0), MonthCounts(202401, 1, 0, 0, 0)])


@st.composite
def month_tables(draw) -> list[MonthCounts]:
    month_count = draw(st.integers(min_value=1, max_value=6))
    months = []
    for index in range(month_count):
        # small tables keep small cells, and so suppression, common
        calls = draw(st.one_of(st.integers(0, 12), st.integers(0, 60)))
        months.append(
            MonthCounts(
                month=202401 + index,
                calls=calls,
                arrests=draw(st.integers(0, calls)),
                voluntary=draw(st.integers(0, calls)),
                force=draw(st.integers(0, calls)),
            )
        )
    return months


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(month_tables())
def test_no_hidden_count_can_be_worked_out(months):
    assert_safe(months)
