"""The dashboard and the program report draw each chart from one definition
(`outcome_charts`): for the same facts they show the same labels and the same numbers."""

from __future__ import annotations

import pytest

from coresponder.analytics import outcome_charts, report
from coresponder.analytics.engines import OperationalEngine

from .test_dashboard import JANUARY, january, supervisor  # noqa: F401 - fixtures

BINS = [
    "0–9 min",
    "10–19 min",
    "20–29 min",
    "30–44 min",
    "45–59 min",
    "60–89 min",
    "90–119 min",
    "120 min or more",
]


@pytest.fixture
def both(january, supervisor, sign_in):  # noqa: F811 - the fixtures imported above
    """January's dashboard by month, as a supervisor's page holds it, and January's report."""
    response = sign_in(supervisor).get(f"/outcomes/?{JANUARY}&by=month")
    assert response.status_code == 200
    board = response.context["board"]
    built = report.build(
        OperationalEngine(), program_name=january.name, filters=board.filters, cost_settings=None
    )
    return board.charts, {chart.key: chart for chart in built.charts}, response, built


def _labels(chart) -> list[str]:
    return [str(column.label) for column in chart.columns]


def test_the_time_bins_read_the_same_in_the_report_and_on_the_dashboard(both):
    dashboard, printed, page, built = both

    # then both name the bins by the whole minutes they hold: 10 up to, not including, 20
    times = printed["times"]
    assert [row[0] for row in times.rows] == BINS
    for name in ("response_times", "on_scene_times"):
        assert [row[0] for row in dashboard[name].cells()] == BINS
    # with the same counts: on scene 10, 20, 30, 40, 50 and 60 minutes
    assert [row[1] for row in times.rows] == [row[1] for row in dashboard["response_times"].cells()]
    assert [row[2] for row in times.rows] == [row[1] for row in dashboard["on_scene_times"].cells()]
    assert [row[2] for row in times.rows] == ["0", "1", "1", "2", "1", "1", "0", "0"]
    # and the pages print them so
    html = report.render_html(built)
    assert "10–19 min" in html
    assert "10–20 min" not in html
    assert "10–19 min" in page.content.decode()


@pytest.mark.parametrize("name", ["trend", "dispositions", "referrals"])
def test_a_chart_has_the_same_table_in_the_report_and_on_the_dashboard(both, name):
    dashboard, printed, _page, _built = both

    assert printed[name].title == dashboard[name].title
    assert printed[name].headers == _labels(dashboard[name])
    assert printed[name].rows == dashboard[name].cells()
    assert printed[name].rows  # January has rows to compare


def test_the_hours_have_the_same_days_and_counts_in_the_report_and_on_the_dashboard(both):
    dashboard, printed, _page, _built = both
    hours, cells = printed["hour_of_week"], dashboard["hours"].cells()

    assert hours.title == dashboard["hours"].title
    assert [row[0] for row in hours.rows] == [row[0] for row in cells]
    assert [row[0] for row in hours.rows][4] == "Friday"
    # the report's table adds up four-hour blocks of the dashboard's hours
    for printed_row, row in zip(hours.rows, cells, strict=True):
        counts = [int(cell) for cell in row[1:]]
        blocks = [sum(counts[start : start + 4]) for start in range(0, 24, 4)]
        assert printed_row[1:] == [*map(str, blocks), str(sum(counts))]
    assert sum(int(row[-1]) for row in hours.rows) == 9


def test_each_chart_says_what_it_leaves_out_in_the_same_words(both):
    dashboard, printed, _page, _built = both

    # the notes a reader needs travel with the chart, to both
    assert dashboard["referrals"].about in printed["referrals"].note
    assert dashboard["response_times"].about in printed["times"].note
    assert dashboard["hours"].about in printed["hour_of_week"].note


def test_a_left_out_note_counts_in_words():
    assert outcome_charts.left_out_note("month", 0) == ""
    assert outcome_charts.left_out_note("month", 1234) == (
        "1,234 calls of this period are not in this chart: only their year is known."
    )
    assert outcome_charts.left_out_note("hour_of_week", 1) == (
        "1 call of this period is not in this chart: its hour or weekday is not known."
    )


@pytest.mark.parametrize(
    ("lower", "upper", "words", "short"),
    [
        (0, 10, "0–9 min", "0–9"),
        (45, 60, "45–59 min", "45–59"),
        (120, None, "120 min or more", "120+"),
    ],
)
def test_a_bin_is_named_by_the_whole_minutes_it_holds(lower, upper, words, short):
    assert outcome_charts.bin_label(lower, upper) == words
    assert outcome_charts.short_bin_label(lower, upper) == short
