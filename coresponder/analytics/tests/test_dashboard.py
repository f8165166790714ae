"""The outcomes dashboard, its API and its CSVs, on the hand-built facts of `dataset.py`
(January 2026, compared with December 2025), with every expected figure worked out by
hand in the comments; and who may see any of it."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from coresponder.accounts.models import Role
from coresponder.analytics import events
from coresponder.analytics.access import BadFilter
from coresponder.analytics.dashboard_views import period_from
from coresponder.analytics.models import CallFact
from coresponder.core.models import AuditEntry

from . import dataset

JANUARY = "period=custom&from=2026-01-01&to=2026-01-31"
REFUSED = [Role.OFFICER, Role.CLINICIAN, Role.CASE_MANAGER, Role.PARTNER, Role.DISPATCHER]
REFUSED += [Role.EMT]
ALLOWED = [Role.SUPERVISOR, Role.EVALUATOR, Role.ADMINISTRATOR]


def insert_january(program, agencies) -> None:
    """dataset.py's facts as the test program's: agency 10 is its police, 11 its clinic."""
    agency = {
        10: agencies["law_enforcement"].pk,
        11: agencies["behavioral_health"].pk,
    }
    rows = []
    for row in dataset.facts():
        ours = row["program_id"] == dataset.PROGRAM
        row |= {
            "program_id": program.pk if ours else program.pk + 1000,
            "agency_id": agency.get(row["agency_id"], row["agency_id"]),
        }
        rows.append(CallFact(**row))
    CallFact.objects.bulk_create(rows)


@pytest.fixture
def january(program, agencies):
    insert_january(program, agencies)
    return program


@pytest.fixture
def supervisor(make_user):
    return make_user(Role.SUPERVISOR)


def viewed() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=events.OUTCOMES_VIEWED).order_by("seq"))


def tiles(response) -> dict:
    return {tile.kpi.key: tile for tile in response.context["board"].tiles}


# -- The page ------------------------------------------------------------------------------


def test_january_against_december(january, supervisor, sign_in):
    # given a supervisor signed in
    client = sign_in(supervisor)

    # when they open January's outcomes
    response = client.get(f"/outcomes/?{JANUARY}")

    # then every headline tile holds January's figure and December's beside it
    assert response.status_code == 200
    shown = {
        key: (t.shown, t.previous_shown, t.direction, t.tone) for key, t in tiles(response).items()
    }
    assert shown == {
        # c3 is January's one arrest of 7 complete encounters; December's one was an arrest
        "arrest_free": ("85.7%", "0%", "up", "better"),
        "no_formal_action": ("28.6%", "0%", "up", "neutral"),  # no better or worse by design
        "voluntary_engagement": ("28.6%", "0%", "up", "better"),  # c2, c5
        "enforcement": ("28.6%", "100%", "down", "better"),  # c3, c4; December's arrest
        "involuntary_holds": ("14.3%", "0%", "up", "neutral"),  # c6; no better or worse
        "help_delivered": ("42.9%", "0%", "up", "better"),  # c1, c2, c5
        "use_of_force": ("14.3%", "0%", "up", "worse"),  # c3
        "ed_diversion": ("85.7%", "100%", "down", "worse"),  # c6's hold
        "follow_up_72h": ("50%", "—", "none", "neutral"),  # December needed none
        "referral_completion": ("50%", "—", "none", "neutral"),
        "connected_after_repeat": ("100%", "—", "none", "neutral"),  # A; nobody twice in Dec
        # A and B of six people; December's A called again 13 days later, on 2 January
        "repeat_crisis_30": ("33.3%", "100%", "down", "better"),
        "on_scene_median": ("30 min", "—", "none", "neutral"),
        "response_median": ("10 min", "—", "none", "neutral"),
    }
    page = response.content.decode()
    assert "98% of 25,900 calls without arrest" in page
    assert "Colorado co-responder programs, state reporting" in page
    assert "+85.7 points: better than the previous period." in page
    board = response.context["board"]
    assert (board.now.counts.calls, board.before.counts.calls) == (9, 1)
    assert board.period.label == "1 Jan 2026 – 31 Jan 2026"
    assert board.period.previous_label == "1 Dec 2025 – 31 Dec 2025"
    # and the page's own view is logged once, with what it showed
    (entry,) = viewed()
    assert entry.object_id == str(january.pk)
    assert entry.detail == {"start": "2026-01-01", "end": "2026-02-01", "view": "dashboard"}


def test_the_988_line_alone(january, supervisor, sign_in):
    client = sign_in(supervisor)

    response = client.get(f"/outcomes/?{JANUARY}&source=988")

    # c5 (voluntary transport, assessed, 30 min on scene) and c6 (hold, 50 min on scene)
    found = tiles(response)
    assert found["arrest_free"].shown == "100%"
    assert (found["arrest_free"].numerator, found["arrest_free"].denominator) == (2, 2)
    assert found["voluntary_engagement"].shown == "50%"
    assert found["ed_diversion"].shown == "50%"
    assert found["on_scene_median"].shown == "30 min"  # nearest rank: first of two
    # no 988 call had a team on scene and a time for it: nothing to count, said why
    assert found["response_median"].shown == "—"
    assert found["response_median"].reason == (
        "Nothing to count: no calls with a team on scene in this period."
    )
    assert "Nothing to count: no calls with a team on scene in this period." in (
        response.content.decode()
    )
    assert response.context["board"].now.counts.calls == 2
    assert viewed()[0].detail["source"] == "988"


def test_an_agency_narrows_the_figures(january, agencies, supervisor, sign_in):
    client = sign_in(supervisor)
    clinic = agencies["behavioral_health"].pk

    response = client.get(f"/outcomes/?{JANUARY}&agency_id={clinic}")

    assert response.context["board"].now.counts.calls == 2  # c5, c6
    name = agencies["behavioral_health"].name
    assert f'<span class="badge badge--navy">Agency: {name}</span>' in response.content.decode()


def test_nothing_to_count_shows_a_dash_and_why(january, supervisor, sign_in):
    client = sign_in(supervisor)

    response = client.get(f"/outcomes/?{JANUARY}&concern=grief_loss")

    found = tiles(response)
    assert {tile.shown for tile in found.values()} == {"—"}
    assert found["arrest_free"].reason == (
        "Nothing to count: no complete encounter, and no imported outcome that says this, in "
        "this period."
    )
    assert found["help_delivered"].reason == (
        "Nothing to count: no complete encounters in this period."
    )
    assert response.context["board"].charts["dispositions"].is_empty


def test_a_filter_change_swaps_the_dashboard_and_gives_the_url_to_share(
    january, supervisor, sign_in
):
    client = sign_in(supervisor)

    response = client.get(
        f"/outcomes/?{JANUARY}&source=988&agency_id=&by=", headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert response.templates[0].name == "analytics/dashboard/_board.html"
    assert "<html" not in response.content.decode()
    assert response["HX-Push-Url"] == (
        "/outcomes/?period=custom&from=2026-01-01&to=2026-01-31&source=988"
    )
    assert len(viewed()) == 1


def test_every_chart_has_its_numbers_as_a_table_and_a_csv_link(january, supervisor, sign_in):
    client = sign_in(supervisor)

    page = client.get(f"/outcomes/?{JANUARY}&source=988").content.decode()

    for name in ("trend", "dispositions", "hours", "response_times", "on_scene_times"):
        assert f'data-testid="table-{name}"' in page
        assert f"/outcomes/chart/{name}.csv?period=custom&amp;from=2026-01-01" in page
    for name in ("follow_up", "referrals"):
        assert f'data-testid="table-{name}"' in page
    assert page.count("Show the numbers") == 7
    assert 'id="dash-drawings" type="application/json"' in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("source=999", "call source: &#x27;999&#x27; is not one of this program&#x27;s."),
        ("team_id=101", "team: &#x27;101&#x27; is not one of this program&#x27;s."),
        ("period=week", "period: &#x27;week&#x27; is not one of this dashboard&#x27;s."),
        ("period=custom&from=2026-02-01&to=2026-01-01", "The period must end after it starts."),
        ("period=custom&from=yesterday&to=2026-01-01", "from: &#x27;yesterday&#x27; is not a date"),
        ("by=day", "by: &#x27;day&#x27; is neither week nor month."),
    ],
)
def test_a_bad_filter_is_refused_saying_which(january, supervisor, sign_in, query, message):
    client = sign_in(supervisor)

    response = client.get(f"/outcomes/?{query}")

    assert response.status_code == 400
    assert message in response.content.decode()
    assert viewed() == []


def test_a_bad_filter_in_a_swap_is_plain_words_for_the_page_to_show(supervisor, sign_in):
    client = sign_in(supervisor)

    response = client.get("/outcomes/?source=999", headers={"HX-Request": "true"})

    assert response.status_code == 400
    assert response.content.decode() == "call source: '999' is not one of this program's."
    assert viewed() == []


# -- Periods -------------------------------------------------------------------------------

TODAY = date(2026, 11, 27)


@pytest.mark.parametrize(
    ("key", "start", "end", "previous_start", "by"),
    [
        ("month", date(2026, 11, 1), date(2026, 12, 1), date(2026, 10, 1), "week"),
        ("30d", date(2026, 10, 29), date(2026, 11, 28), date(2026, 9, 29), "week"),
        ("quarter", date(2026, 10, 1), date(2027, 1, 1), date(2026, 7, 1), "week"),
        ("year", date(2026, 1, 1), date(2027, 1, 1), date(2025, 1, 1), "month"),
    ],
)
def test_periods(key, start, end, previous_start, by):
    period = period_from({"period": key}, today=TODAY)
    assert (period.start, period.end, period.previous_start, period.previous_end) == (
        start,
        end,
        previous_start,
        start,
    )
    assert period.by == by


def test_january_is_compared_with_december_in_every_calendar_period():
    assert period_from({"period": "month"}, today=date(2026, 1, 5)).previous_start == date(
        2025, 12, 1
    )
    quarter = period_from({"period": "quarter"}, today=date(2026, 2, 5))
    assert (quarter.start, quarter.end, quarter.previous_start) == (
        date(2026, 1, 1),
        date(2026, 4, 1),
        date(2025, 10, 1),
    )


def test_a_custom_period_includes_its_last_day():
    period = period_from(
        {"period": "custom", "from": "2026-03-01", "to": "2026-03-10"}, today=TODAY
    )
    assert (period.start, period.end) == (date(2026, 3, 1), date(2026, 3, 11))
    assert (period.previous_start, period.previous_end) == (date(2026, 2, 19), date(2026, 3, 1))
    with pytest.raises(BadFilter, match="ten years"):
        period_from({"period": "custom", "from": "1990-01-01", "to": "2026-01-01"}, today=TODAY)


# -- CSV -----------------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_dispositions_as_csv(january, supervisor, sign_in):
    client = sign_in(supervisor)

    response = client.get(f"/outcomes/chart/dispositions.csv?{JANUARY}")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="outcomes-dispositions-2026-01-01-2026-01-31.csv"'
    )
    # one each of seven dispositions: 1/7 = 14.3%
    assert read_csv(response) == [
        ["Disposition", "Complete encounters", "Imported outcomes", "Share (%)"],
        ["resolved on scene", "1", "0", "14.3"],
        ["referred (voluntary)", "1", "0", "14.3"],
        ["transported (voluntary)", "1", "0", "14.3"],
        ["emergency hold", "1", "0", "14.3"],
        ["medical transport", "0", "0", "0.0"],
        ["citation", "1", "0", "14.3"],
        ["arrest", "1", "0", "14.3"],
        ["refused services", "1", "0", "14.3"],
        ["unable to locate", "0", "0", "0.0"],
    ]
    (entry,) = viewed()
    assert (entry.detail["view"], entry.detail["chart"]) == ("csv", "dispositions")


def test_the_other_charts_as_csv(january, supervisor, sign_in):
    client = sign_in(supervisor)

    def get(name: str, extra: str = "") -> list[list[str]]:
        response = client.get(f"/outcomes/chart/{name}.csv?{JANUARY}{extra}")
        assert response.status_code == 200, response.content
        return read_csv(response)

    assert get("trend", "&by=month") == [
        [
            "Month",
            "Calls",
            "Complete encounters",
            "Arrest-free rate (%)",
            "Voluntary engagement (%)",
            "Use-of-force rate (%)",
        ],
        ["Jan 2026", "9", "7", "85.7", "28.6", "14.3"],
    ]
    # On scene 10, 20, 30, 40, 50, 60 minutes
    assert get("on_scene_times") == [
        ["Minutes", "Calls"],
        ["0–9 min", "0"],
        ["10–19 min", "1"],
        ["20–29 min", "1"],
        ["30–44 min", "2"],
        ["45–59 min", "1"],
        ["60–89 min", "1"],
        ["90–119 min", "0"],
        ["120 min or more", "0"],
    ]
    assert get("referrals") == [
        ["Step", "Referrals", "Share of those sent (%)"],
        ["Sent", "2", "100.0"],
        ["Accepted", "1", "50.0"],
        ["Attended", "1", "50.0"],
    ]
    assert get("follow_up") == [
        ["Measure", "Counted", "Out of", "Rate (%)"],
        ["Follow-up within 72 hours", "1", "2", "50.0"],
        ["Referral completion", "1", "2", "50.0"],
        ["Connected after repeated contact", "1", "1", "100.0"],
        ["Repeat crisis within 30 days", "2", "6", "33.3"],
        ["Repeat crisis within 90 days", "3", "6", "50.0"],
    ]
    hours = get("hours")
    assert hours[0] == ["Day"] + [f"{hour:02d}" for hour in range(24)]
    friday = hours[5]
    assert friday[0] == "Friday"
    assert friday[1 + 3] == "1"  # c5, Friday 9 January 03:00
    assert sum(int(cell) for row in hours[1:] for cell in row[1:]) == 9


def test_an_unknown_chart_or_bad_filter_in_a_csv(january, supervisor, sign_in):
    client = sign_in(supervisor)

    assert client.get("/outcomes/chart/secrets.csv").status_code == 404
    response = client.get("/outcomes/chart/trend.csv?sex=robot")
    assert response.status_code == 400
    assert response.content.decode() == "sex: 'robot' is not one of this program's."
    assert viewed() == []


# -- The API -------------------------------------------------------------------------------


def test_the_figures_through_the_api(january, supervisor, sign_in):
    client = sign_in(supervisor)

    response = client.get(f"/api/v1/outcomes/figures?{JANUARY}&source=988")

    assert response.status_code == 200
    body = response.json()
    assert body["period"] == {
        "key": "custom",
        "start": "2026-01-01",
        "last": "2026-01-31",
        "previous_start": "2025-12-01",
        "previous_last": "2025-12-31",
        "by": "week",
    }
    assert body["filters"] == {"source": "988"}
    assert body["counts"]["calls"] == 2
    kpis = {kpi["key"]: kpi for kpi in body["kpis"]}
    assert len(kpis) == 14
    arrest_free = kpis["arrest_free"]
    assert (arrest_free["numerator"], arrest_free["denominator"], arrest_free["value"]) == (2, 2, 1)
    assert arrest_free["reference"] == {
        "figure": 0.98,
        "says": "98% of 25,900 calls without arrest",
        "source": "Colorado co-responder programs, state reporting",
    }
    assert arrest_free["previous_value"] is None  # December had no 988 call
    assert kpis["response_median"]["value"] is None
    assert kpis["response_median"]["reason"].startswith("Nothing to count")
    assert viewed()[0].detail["view"] == "api"


def test_a_chart_through_the_api(january, supervisor, sign_in):
    client = sign_in(supervisor)

    response = client.get(f"/api/v1/outcomes/charts/referrals?{JANUARY}")

    assert response.status_code == 200
    assert response.json()["rows"] == [
        {"step": "Sent", "referrals": 2, "share": 1.0},
        {"step": "Accepted", "referrals": 1, "share": 0.5},
        {"step": "Attended", "referrals": 1, "share": 0.5},
    ]


def test_a_bad_filter_through_the_api(january, supervisor, sign_in):
    client = sign_in(supervisor)

    response = client.get("/api/v1/outcomes/figures?veteran=maybe")

    assert response.status_code == 400
    assert response.json() == {
        "message": "veteran status: 'maybe' is not one of this program's.",
        "code": "bad_filter",
        "fields": {},
    }
    assert viewed() == []


# -- Who may see it ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ALLOWED)
def test_supervisors_evaluators_and_administrators_see_it(january, make_user, sign_in, role):
    client = sign_in(make_user(role))

    assert client.get(f"/outcomes/?{JANUARY}").status_code == 200
    assert client.get(f"/api/v1/outcomes/figures?{JANUARY}").status_code == 200
    assert client.get(f"/outcomes/chart/trend.csv?{JANUARY}").status_code == 200
    home = client.get("/").content.decode()
    assert 'href="/outcomes/"' in home
    assert len(viewed()) == 3


@pytest.mark.parametrize("role", REFUSED)
def test_everyone_else_is_refused(january, make_user, sign_in, role):
    client = sign_in(make_user(role))

    assert client.get(f"/outcomes/?{JANUARY}").status_code == 403
    api = client.get(f"/api/v1/outcomes/figures?{JANUARY}")
    assert api.status_code == 403
    assert api.json()["code"] == "forbidden"
    assert client.get(f"/api/v1/outcomes/charts/trend?{JANUARY}").status_code == 403
    assert client.get(f"/outcomes/chart/trend.csv?{JANUARY}").status_code == 403
    assert 'href="/outcomes/"' not in client.get("/").content.decode()
    assert viewed() == []


def test_no_one_signed_out(january, client):
    page = client.get("/outcomes/")
    assert page.status_code == 302
    assert page["Location"].startswith("/login/")
    assert client.get("/outcomes/chart/trend.csv").status_code == 302
    assert client.get("/api/v1/outcomes/figures").status_code == 401
    assert viewed() == []
