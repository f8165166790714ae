"""Matching services to needs, without a database: eligibility, order, hours, reasons."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coresponder.referrals.matching import (
    Candidate,
    Capacity,
    Hours,
    Needs,
    Opening,
    Place,
    eligible,
    kinds_for,
    open_state,
    rank,
)

DENVER = ZoneInfo("America/Denver")
# Wednesday 26 November 2025, 12:00 in Denver (19:00 UTC).
NOON = datetime(2025, 11, 26, 12, 0, tzinfo=DENVER)
HERE = Place(39.74, -104.99)
EVERY_DAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def weekly(opens: str, closes: str, days=EVERY_DAY, **more) -> Hours:
    return Hours(
        freq="WEEKLY",
        byday=tuple(days),
        opens_at=time.fromisoformat(opens),
        closes_at=time.fromisoformat(closes),
        **more,
    )


def service(name: str = "Service", **facts) -> Candidate:
    facts.setdefault("kind", "crisis_stabilization")
    facts.setdefault("place", HERE)
    return Candidate(service_id=name, service_name=name, organization="Org", **facts)


# Eligibility, property-based ------------------------------------------------------------

ages = st.one_of(st.none(), st.integers(min_value=0, max_value=110))
insurers = st.sampled_from(["", "Medicaid", "Medicare", "VA", "Private"])


@st.composite
def candidates(draw):
    low, high = draw(ages), draw(ages)
    if low is not None and high is not None and low > high:
        low, high = high, low
    accepted = draw(
        st.lists(st.sampled_from(["Medicaid", "Medicare", "VA", "Private"]), max_size=3)
    )
    return service(
        name=draw(st.text(min_size=1, max_size=8)),
        kind=draw(st.sampled_from(["crisis_stabilization", "detox", "veterans_services"])),
        status=draw(st.sampled_from(["active", "active", "active", "inactive", "defunct"])),
        minimum_age=low,
        maximum_age=high,
        veterans=draw(st.sampled_from([None, True, False])),
        sex=draw(st.sampled_from(["", "any", "female", "male"])),
        insurance_accepted=", ".join(accepted),
        place=Place(draw(st.floats(39.0, 40.5)), draw(st.floats(-105.5, -104.0))),
        hours=draw(
            st.sampled_from(
                [(), (weekly("09:00", "17:00"),), (weekly("22:00", "06:00"),), (Hours("MONTHLY"),)]
            )
        ),
        capacity=draw(
            st.one_of(
                st.none(),
                st.builds(Capacity, st.integers(0, 5), st.just(5), st.just("beds")),
            )
        ),
    )


needs_strategy = st.builds(
    Needs,
    kinds=st.just(("crisis_stabilization",)),
    age=ages,
    veteran=st.sampled_from([None, True, False]),
    sex=st.sampled_from(["", "female", "male", "intersex", "unknown"]),
    insurance=insurers,
    language=st.sampled_from(["", "spanish"]),
    place=st.just(HERE),
)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(needs=needs_strategy, pool=st.lists(candidates(), max_size=25))
def test_eligibility_filters_are_never_violated(needs, pool):
    # when
    suggestions = rank(needs, pool, NOON, zone=DENVER)

    # then: every suggestion is one the person may use, as far as is known
    for suggestion in suggestions:
        c = suggestion.candidate
        assert c.status == "active"
        if needs.age is not None:
            assert c.minimum_age is None or needs.age >= c.minimum_age
            assert c.maximum_age is None or needs.age <= c.maximum_age
        if needs.veteran is False:
            assert c.veterans is not True
        if needs.sex in ("female", "male") and c.sex in ("female", "male"):
            assert c.sex == needs.sex
        accepted = {p.strip().lower() for p in c.insurance_accepted.split(",") if p.strip()}
        if needs.insurance and accepted:
            assert needs.insurance.lower() in accepted
    # and nothing eligible was left out
    assert len(suggestions) == sum(1 for c in pool if eligible(needs, c)[0])


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(needs=needs_strategy, pool=st.lists(candidates(), max_size=25))
def test_closed_is_below_open_and_full_below_room_in_any_pool(needs, pool):
    suggestions = rank(needs, pool, NOON, zone=DENVER)
    states = [s.opening.state for s in suggestions]
    if Opening.CLOSED in states:
        first_closed = states.index(Opening.CLOSED)
        assert Opening.OPEN not in states[first_closed:]
    tiers = [s.tier for s in suggestions]
    assert tiers == sorted(tiers)
    for position, suggestion in enumerate(suggestions):
        if suggestion.full:
            later = suggestions[position:]
            assert not any(not s.full and s.opening.state != Opening.CLOSED for s in later)


def test_eligibility_reasons():
    veteran_only = service(veterans=True)
    assert eligible(Needs(veteran=False), veteran_only) == (False, "for veterans only")
    assert eligible(Needs(veteran=None), veteran_only) == (True, "")
    assert eligible(Needs(age=16), service(minimum_age=18)) == (False, "for ages 18 and over")
    assert eligible(Needs(age=70), service(maximum_age=64)) == (False, "for ages up to 64")
    assert eligible(Needs(sex="male"), service(sex="female")) == (
        False,
        "for female clients only",
    )
    assert eligible(Needs(insurance="Private"), service(insurance_accepted="Medicaid, VA")) == (
        False,
        "does not accept Private",
    )
    assert eligible(Needs(insurance="medicaid"), service(insurance_accepted="Medicaid, VA")) == (
        True,
        "",
    )
    assert eligible(Needs(), service(status="defunct")) == (False, "not active (defunct)")


# Order and reasons ----------------------------------------------------------------------


def test_closed_services_rank_below_open_ones_even_when_nearer_and_a_better_fit():
    # given
    closed = service("Near but closed", hours=(weekly("08:00", "10:00"),), place=HERE)
    open_far = service(
        "Far and open",
        kind="outpatient_therapy",
        hours=(weekly("09:00", "17:00"),),
        place=Place(39.90, -104.99),
    )
    soon = service("Opens soon", hours=(weekly("13:30", "20:00"),), place=HERE)
    unknown = service("Monthly", hours=(Hours(freq="MONTHLY"),))

    # when
    ranked = rank(
        Needs(kinds=("crisis_stabilization",), place=HERE),
        [closed, unknown, soon, open_far],
        NOON,
        zone=DENVER,
    )

    # then
    assert [s.candidate.service_name for s in ranked] == [
        "Far and open",
        "Opens soon",
        "Monthly",
        "Near but closed",
    ]
    assert ranked[0].reasons[0] == "open now until 17:00"
    assert ranked[1].reasons[1] == "opens at 13:30 (in 90 min)"
    assert ranked[2].reasons[1] == "hours unknown: the schedule is not a weekly one we can read"
    assert ranked[3].reasons[1] == "closed; opens Thu 08:00"


def test_capacity_zero_is_shown_as_full_and_ranked_below_those_with_room():
    # given
    hours = (weekly("00:00", "00:00"),)
    full = service("Full unit", hours=hours, capacity=Capacity(0, 12, "beds"))
    roomy = service(
        "Unit with beds", hours=hours, capacity=Capacity(3, 12, "beds"), place=Place(39.80, -104.99)
    )
    unknown = service("No count", hours=hours, place=Place(39.85, -104.99))

    # when
    ranked = rank(
        Needs(kinds=("crisis_stabilization",), place=HERE),
        [full, roomy, unknown],
        NOON,
        zone=DENVER,
    )

    # then
    assert [s.candidate.service_name for s in ranked] == ["Unit with beds", "No count", "Full unit"]
    assert ranked[2].full
    assert "full (0 of 12 beds)" in ranked[2].reasons
    assert "3 of 12 beds free" in ranked[0].reasons
    assert "open now, around the clock" in ranked[0].reasons


def test_reasons_in_words_fit_then_distance():
    # given
    spanish = service(
        "Clínica",
        languages=frozenset({"spanish", "es"}),
        language_names=("Spanish",),
        hours=(weekly("09:00", "17:00"),),
        place=Place(39.76, -104.99),
        veterans=True,
        minimum_age=18,
    )
    plain = service("Plain", hours=(weekly("09:00", "17:00"),), place=HERE)
    needs = Needs(
        kinds=("crisis_stabilization",), language="Spanish", place=HERE, veteran=True, age=40
    )

    # when
    ranked = rank(needs, [plain, spanish], NOON, zone=DENVER)

    # then: the shared language outweighs two kilometres
    assert [s.candidate.service_name for s in ranked] == ["Clínica", "Plain"]
    assert ranked[0].reasons == [
        "meets the need: crisis stabilisation",
        "open now until 17:00",
        "2.2 km",
        "speaks Spanish",
        "for veterans",
        "ages 18 and over",
    ]
    assert ranked[1].reasons == [
        "meets the need: crisis stabilisation",
        "open now until 17:00",
        "0.0 km",
        "Spanish not listed",
    ]


def test_unknown_veteran_status_and_age_are_said():
    ranked = rank(
        Needs(), [service(veterans=True, minimum_age=18, maximum_age=64)], NOON, zone=DENVER
    )
    assert "for veterans: veteran status not known, check it" in ranked[0].reasons
    assert "ages 18 to 64: age not known, check it" in ranked[0].reasons


# Opening hours --------------------------------------------------------------------------


def state_at(hours, moment, zone=DENVER):
    return open_state(hours, moment, zone)


def test_overnight_hours_are_open_after_midnight_and_before_closing():
    night = (weekly("22:00", "06:00", days=("TU",)),)
    # Tuesday 23:00 and Wednesday 05:59 are open; Wednesday 06:00 is not.
    tuesday_late = datetime(2025, 11, 25, 23, 0, tzinfo=DENVER)
    wednesday_early = datetime(2025, 11, 26, 5, 59, tzinfo=DENVER)
    assert state_at(night, tuesday_late).state == Opening.OPEN
    assert state_at(night, wednesday_early).state == Opening.OPEN
    assert state_at(night, wednesday_early).at == datetime(2025, 11, 26, 6, 0, tzinfo=DENVER)
    six = datetime(2025, 11, 26, 6, 0, tzinfo=DENVER)
    assert state_at(night, six).state == Opening.CLOSED
    assert state_at(night, six).at == datetime(2025, 12, 2, 22, 0, tzinfo=DENVER)


def test_byday_opens_only_on_its_days():
    weekdays = (weekly("09:00", "17:00", days=("MO", "TU", "WE", "TH", "FR")),)
    saturday = datetime(2025, 11, 29, 12, 0, tzinfo=DENVER)
    assert state_at(weekdays, NOON).state == Opening.OPEN
    closed = state_at(weekdays, saturday)
    assert closed.state == Opening.CLOSED
    assert closed.at == datetime(2025, 12, 1, 9, 0, tzinfo=DENVER)
    assert closed.words(DENVER, saturday) == "closed; opens Mon 09:00"


def test_valid_to_in_the_past_and_valid_from_in_the_future_never_open():
    expired = (weekly("00:00", "00:00", valid_to=date(2025, 11, 1)),)
    future = (weekly("00:00", "00:00", valid_from=date(2026, 1, 1)),)
    ended = (weekly("00:00", "00:00", until=date(2025, 11, 25)),)
    for hours in (expired, future, ended):
        assert state_at(hours, NOON).state == Opening.CLOSED


def test_the_schedules_own_utc_offset_is_used():
    # 09:00-17:00 at UTC-5 is 07:00-15:00 in Denver: open at noon there, closed at 16:00.
    eastern = (weekly("09:00", "17:00", utc_offset_hours=-5.0),)
    assert state_at(eastern, NOON).state == Opening.OPEN
    assert state_at(eastern, NOON).words(DENVER, NOON) == "open now until 15:00"
    four = datetime(2025, 11, 26, 16, 0, tzinfo=DENVER)
    assert state_at(eastern, four).state == Opening.CLOSED


def test_rules_not_evaluated_are_unknown_never_open():
    for rule in (
        Hours(freq="MONTHLY", byday=("1MO",), opens_at=time(0), closes_at=time(0)),
        weekly("00:00", "00:00", interval=2),
        weekly("00:00", "00:00", count=3),
        Hours(freq="WEEKLY", opens_at=time(9), closes_at=time(17)),  # no byday
        Hours(freq="WEEKLY", byday=("MO",)),  # no times
    ):
        state = state_at((rule,), NOON)
        assert state.state == Opening.UNKNOWN
        assert state.unevaluated
    assert state_at((), NOON).words(DENVER, NOON) == "hours not listed"


def test_a_weekly_rule_beside_an_unread_one_still_opens_but_never_closes_it():
    both = (weekly("09:00", "17:00"), Hours(freq="MONTHLY"))
    assert state_at(both, NOON).state == Opening.OPEN
    evening = datetime(2025, 11, 26, 20, 0, tzinfo=DENVER)
    assert state_at(both, evening).state == Opening.UNKNOWN


def test_touching_intervals_are_one_opening():
    split = (weekly("00:00", "12:00"), weekly("12:00", "00:00"))
    state = state_at(split, NOON - timedelta(minutes=1))
    assert state.state == Opening.OPEN
    assert state.words(DENVER, NOON) == "open now, around the clock"


def test_daylight_saving_change_uses_the_local_clock():
    # 2 November 2025 is when Denver leaves summer time; 09:00 there is 16:00 UTC after.
    hours = (weekly("09:00", "17:00"),)
    after = datetime(2025, 11, 3, 16, 30, tzinfo=UTC)
    assert state_at(hours, after).state == Opening.OPEN
    before = datetime(2025, 11, 3, 15, 30, tzinfo=UTC)
    assert state_at(hours, before).state == Opening.SOON


# Needs ----------------------------------------------------------------------------------


def test_kinds_follow_concerns_assessment_disposition_and_person():
    assert kinds_for(["suicidal"], levels=["high"]) == (
        "crisis_stabilization",
        "inpatient_psychiatric",
        "outpatient_therapy",
    )
    assert kinds_for(["substance_use"]) == ("detox", "substance_use_treatment")
    assert kinds_for(["veteran_support"]) == ("veterans_services",)
    assert kinds_for(["youth_in_crisis"]) == ("youth_counseling",)
    assert kinds_for(["resources_request"], flags=["unhoused"]) == (
        "food_benefits",
        "shelter_housing",
    )
    assert kinds_for(["anxiety_panic"], disposition="emergency_hold", age=15, veteran=True) == (
        "inpatient_psychiatric",
        "crisis_stabilization",
        "outpatient_therapy",
        "support_group",
        "youth_counseling",
        "veterans_services",
    )


def test_a_language_asked_for_by_its_code_is_named_in_the_reason():
    # given a service listing Spanish by its code only, and a call needing "es"
    spanish = service("Clínica", languages=frozenset({"es"}), language_names=(), place=HERE)

    # when
    ranked = rank(Needs(kinds=(), language="es", place=HERE), [spanish], NOON, zone=DENVER)

    # then
    assert "speaks Spanish" in ranked[0].reasons
