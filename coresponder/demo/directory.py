"""The demo county's resource directory: organisations, their sites, services and capacity.

About fifty services across every kind, run by twenty-one organisations, each at one or more
sites inside the county, with opening hours, languages, eligibility, costs, documents and
the places free now. Every row is what an HSDS 3 import would accept (the tests export the
directory and import it into another program), and the services the demo's encounters
name as destinations and referrals are here under the same names, so that referrals can
link them. Organisations and services are named "Demo …"; nobody is named.

The rows are written with one `bulk_create` per table. Their HSDS ids, the sites' exact
coordinates and the places free come from the demo's seed; only the capacities' `updated`
times follow the clock, as the calls' times do.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from coresponder.referrals.models import (
    Accessibility,
    Address,
    CostOption,
    Language,
    Location,
    Organization,
    Phone,
    RequiredDocument,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceCapacity,
    ServiceKind,
    Unit,
)

from .calls import BASES
from .encounters import (
    CRISIS_UNIT,
    DEFAULT_REFERRALS,
    DETOX,
    HOSPITAL_ED,
    PSYCH_EMERGENCY,
    REFERRALS,
)

K = ServiceKind

# Mountain standard time, as HSDS 3 holds a schedule's time zone: an offset from UTC.
UTC_OFFSET = Decimal(-7)
CITY, REGION, STATE, COUNTRY = "Demo City", "Demo County", "Demo State", "US"
ALL_WEEK = "MO,TU,WE,TH,FR,SA,SU"
WEEKDAYS = "MO,TU,WE,TH,FR"

# Neighbourhoods: the dispatch bases of calls.BASES, each with a postal code.
POSTAL_CODES = {
    "North station": "80901",
    "Central station": "80902",
    "East station": "80903",
    "South station": "80904",
    "West station": "80905",
    "Crisis centre": "80906",
}
AREAS = {name: (lat, lon) for name, lat, lon in BASES}

# Opening hours: a name -> (description, [(byday, opens, closes)]).
HOURS: dict[str, tuple[str, list[tuple[str, str, str]]]] = {
    "24/7": ("Open 24 hours a day, every day.", [(ALL_WEEK, "00:00", "23:59")]),
    "office": ("Weekdays 8 am to 5 pm.", [(WEEKDAYS, "08:00", "17:00")]),
    "office_late": (
        "Monday to Thursday 8 am to 7 pm, Friday 8 am to 5 pm.",
        [("MO,TU,WE,TH", "08:00", "19:00"), ("FR", "08:00", "17:00")],
    ),
    "walk_in": ("Walk in weekdays 9 am to 3 pm; no appointment.", [(WEEKDAYS, "09:00", "15:00")]),
    "walk_in_long": (
        "Walk in 8 am to 8 pm every day.",
        [(ALL_WEEK, "08:00", "20:00")],
    ),
    "after_school": (
        "Weekdays 2 pm to 7 pm, Saturday 11 am to 4 pm.",
        [(WEEKDAYS, "14:00", "19:00"), ("SA", "11:00", "16:00")],
    ),
    "evening_tue_thu": (
        "Tuesday and Thursday evenings, 6:30 to 8 pm.",
        [("TU,TH", "18:30", "20:00")],
    ),
    "evening_mon": ("Monday evenings, 7 to 8:30 pm.", [("MO", "19:00", "20:30")]),
    "evening_wed": ("Wednesday evenings, 6 to 7:30 pm.", [("WE", "18:00", "19:30")]),
    "evening_daily": ("Every evening, 7 to 8 pm.", [(ALL_WEEK, "19:00", "20:00")]),
    "warm_line": (
        "Every day 8 am to midnight.",
        [(ALL_WEEK, "08:00", "23:59")],
    ),
    "shelter_intake": (
        "Intake every day 5 pm to 9 pm; beds until 7 am.",
        [(ALL_WEEK, "17:00", "21:00")],
    ),
    "shelter_day_intake": (
        "Intake weekdays 9 am to 4 pm; residents may stay all day.",
        [(WEEKDAYS, "09:00", "16:00")],
    ),
    "pantry": (
        "Wednesday 10 am to 2 pm and Saturday 9 am to noon.",
        [("WE", "10:00", "14:00"), ("SA", "09:00", "12:00")],
    ),
    "mobile_pantry": ("Second and fourth Fridays, 1 to 3 pm.", [("2FR,4FR", "13:00", "15:00")]),
    "half_days": ("Tuesday and Thursday 9 am to 1 pm.", [("TU,TH", "09:00", "13:00")]),
}

UNITS = {
    "beds": ("Beds", "bed"),
    "slots": ("Same-day slots", "same-day-slot"),
    "places": ("Group places", "place"),
}

INSURANCE_ALL = "Medicaid, Medicare, private, uninsured (sliding scale)"
INSURANCE_PUBLIC = "Medicaid, Medicare, uninsured"
INSURANCE_NONE = "No insurance needed"
INSURANCE_HOSPITAL = "Medicaid, Medicare, private, VA, uninsured (charity care)"


@dataclass(frozen=True)
class Org:
    key: str
    name: str
    description: str
    sites: tuple[tuple[str, str, int, str, str], ...]  # key, name, number, street, area
    year: int | None = None


@dataclass(frozen=True)
class Offer:
    org: str
    name: str
    kind: str
    sites: tuple[str, ...]
    hours: str
    description: str
    languages: tuple[str, ...] = ("en",)
    minimum_age: int | None = 18
    maximum_age: int | None = None
    veterans: bool | None = None
    sex: str = "any"
    insurance: str = INSURANCE_ALL
    eligibility: str = "Adults 18 and over living or staying in Demo County."
    capacity: tuple[str, int] | None = None  # unit key, maximum
    cost: str = "free"
    documents: tuple[str, ...] = ()
    status: str = Service.Status.ACTIVE
    alert: str = ""
    own_line: bool = False  # a phone line of its own (crisis and 24-hour services)


ORGS = [
    Org(
        "cbh",
        "Demo County Behavioral Health",
        "The county's community mental-health centre: therapy, medication, substance-use and "
        "youth services, and a walk-in crisis clinic.",
        (
            (
                "cbh-main",
                "Demo County Behavioral Health — Central clinic",
                410,
                "Maple Parkway",
                "Central station",
            ),
            (
                "cbh-north",
                "Demo County Behavioral Health — North clinic",
                2250,
                "Aspen Street",
                "North station",
            ),
            (
                "cbh-south",
                "Demo County Behavioral Health — South clinic",
                780,
                "Cedar Way",
                "South station",
            ),
        ),
        1972,
    ),
    Org(
        "crisis",
        "Demo Crisis Services Collaborative",
        "Crisis stabilisation, respite and the 24-hour crisis line for Demo County.",
        (
            ("csu", "Demo Crisis Centre", 1500, "Fir Boulevard", "Crisis centre"),
            ("respite", "Demo Crisis Respite House", 36, "Willow Place", "East station"),
        ),
        2008,
    ),
    Org(
        "recovery",
        "Demo Recovery Services",
        "Withdrawal management, residential and outpatient substance-use treatment.",
        (
            ("detox", "Demo Withdrawal Management Center", 1620, "Fir Boulevard", "Crisis centre"),
            (
                "recovery-res",
                "Demo Recovery Services — Larch Drive campus",
                300,
                "Larch Drive",
                "West station",
            ),
            (
                "recovery-op",
                "Demo Recovery Services — outpatient office",
                95,
                "Pine Street",
                "Central station",
            ),
        ),
        1991,
    ),
    Org(
        "hospital",
        "Demo Regional Hospital",
        "The county's general hospital, with an emergency department, a psychiatric emergency "
        "service and inpatient psychiatric units.",
        (("hospital", "Demo Regional Hospital", 1000, "Spruce Avenue", "Central station"),),
        1956,
    ),
    Org(
        "behavioral_hospital",
        "Demo Behavioral Hospital",
        "A psychiatric hospital: inpatient care and a partial hospitalisation program.",
        (("bh", "Demo Behavioral Hospital", 4400, "Juniper Road", "South station"),),
        1998,
    ),
    Org(
        "hrn",
        "Demo Housing & Recovery Network",
        "Shelter intake, recovery housing and peer recovery support.",
        (
            (
                "hrn-hub",
                "Demo Housing & Recovery Network — Resource hub",
                220,
                "Elm Court",
                "Central station",
            ),
            ("hrn-house", "Demo Recovery House", 58, "Dogwood Lane", "North station"),
        ),
        2004,
    ),
    Org(
        "night_shelter",
        "Demo Night Shelter",
        "An emergency night shelter for adults.",
        (("night", "Demo Night Shelter", 610, "Birch Avenue", "Central station"),),
        1989,
    ),
    Org(
        "family_shelter",
        "Demo Family Shelter",
        "Emergency shelter and rehousing for families with children.",
        (("family", "Demo Family Shelter", 1840, "Maple Parkway", "East station"),),
        2001,
    ),
    Org(
        "safe_house",
        "Demo Women's Safe House",
        "Confidential emergency shelter for women leaving violence; the address is given on "
        "the phone.",
        (("safe", "Demo Women's Safe House — intake office", 12, "Elm Court", "South station"),),
        1994,
    ),
    Org(
        "youth",
        "Demo Youth Services",
        "Counselling, a drop-in centre and emergency shelter for young people.",
        (
            (
                "youth-centre",
                "Demo Youth Services — Drop-in centre",
                505,
                "Spruce Avenue",
                "North station",
            ),
            (
                "youth-shelter",
                "Demo Youth Services — Youth shelter",
                77,
                "Cedar Way",
                "West station",
            ),
        ),
        1986,
    ),
    Org(
        "veterans_office",
        "Demo County Veterans Services Office",
        "Benefits claims, peer mentoring and housing help for veterans and their families.",
        (("vso", "Demo County Veterans Services Office", 900, "Pine Street", "East station"),),
        1946,
    ),
    Org(
        "vet_center",
        "Demo Veterans Center",
        "Readjustment counselling for veterans, service members and their families.",
        (("vet-center", "Demo Veterans Center", 3300, "Larch Drive", "North station"),),
        1979,
    ),
    Org(
        "food_bank",
        "Demo Community Food Bank",
        "Food pantries and help applying for food benefits.",
        (
            (
                "pantry-east",
                "Demo Community Food Bank — East pantry",
                1200,
                "Willow Place",
                "East station",
            ),
            (
                "pantry-west",
                "Demo Community Food Bank — West pantry",
                450,
                "Juniper Road",
                "West station",
            ),
        ),
        1983,
    ),
    Org(
        "human_services",
        "Demo County Human Services",
        "Medicaid, food and cash benefits, and emergency rental assistance.",
        (("dhs", "Demo County Human Services Center", 700, "Aspen Street", "Central station"),),
        1961,
    ),
    Org(
        "support_alliance",
        "Demo Mental Health Support Alliance",
        "Free support groups for people living with mental illness and their families.",
        (
            (
                "alliance",
                "Demo Mental Health Support Alliance",
                160,
                "Dogwood Lane",
                "South station",
            ),
        ),
        1990,
    ),
    Org(
        "grief",
        "Demo Grief Support Center",
        "Support for people grieving a death, including a death by suicide.",
        (("grief", "Demo Grief Support Center", 25, "Birch Avenue", "West station"),),
        2011,
    ),
    Org(
        "vietnamese",
        "Demo Vietnamese Community Services",
        "Counselling and help with services in Vietnamese.",
        (("viet", "Demo Vietnamese Community Services", 1410, "Cedar Way", "East station"),),
        1999,
    ),
    Org(
        "deaf",
        "Demo Deaf Access Center",
        "Counselling and community services in American Sign Language.",
        (("deaf", "Demo Deaf Access Center", 840, "Fir Boulevard", "Central station"),),
        2003,
    ),
    Org(
        "health_center",
        "Demo Community Health Center",
        "Primary care with integrated behavioural health and addiction medicine.",
        (
            (
                "chc-east",
                "Demo Community Health Center — East",
                2600,
                "Birch Avenue",
                "East station",
            ),
            (
                "chc-west",
                "Demo Community Health Center — West",
                1330,
                "Willow Place",
                "West station",
            ),
        ),
        1976,
    ),
    Org(
        "legal_aid",
        "Demo Legal Aid",
        "Free civil legal help: evictions, benefits and record sealing.",
        (("legal", "Demo Legal Aid", 88, "Maple Parkway", "Central station"),),
        1968,
    ),
    Org(
        "fellowship",
        "Demo Recovery Fellowship",
        "Peer-led recovery meetings, open to anyone who wants to stop using.",
        (("fellowship", "Demo Recovery Fellowship Hall", 350, "Pine Street", "South station"),),
        1985,
    ),
]

YOUTH = "Young people aged 12 to 17; a parent or guardian is asked to join the first visit."
YOUTH_24 = "Young people aged 12 to 24."
VETERANS = "Veterans of any era and discharge, and their families."

OFFERS = [
    # Crisis stabilisation
    Offer(
        "crisis",
        CRISIS_UNIT,
        K.CRISIS_STABILIZATION,
        ("csu",),
        "24/7",
        "Short stays (up to five days) for adults in a mental-health crisis; accepts walk-ins, "
        "co-responder and police drop-offs, and emergency holds.",
        languages=("en", "es", "ase"),
        capacity=("beds", 16),
        own_line=True,
    ),
    Offer(
        "crisis",
        "Demo Crisis Respite House — adult crisis respite",
        K.CRISIS_STABILIZATION,
        ("respite",),
        "24/7",
        "A home-like peer-run respite for adults who need a few nights away from a crisis.",
        capacity=("beds", 6),
        insurance=INSURANCE_PUBLIC,
    ),
    Offer(
        "crisis",
        "Demo Crisis Services Collaborative — youth crisis stabilization",
        K.CRISIS_STABILIZATION,
        ("csu",),
        "24/7",
        "Crisis beds for young people, with family sessions every day.",
        minimum_age=12,
        maximum_age=17,
        eligibility=YOUTH,
        capacity=("beds", 6),
        own_line=True,
    ),
    Offer(
        "crisis",
        "Demo Crisis Services Collaborative — 24-hour crisis line",
        K.CRISIS_STABILIZATION,
        ("csu",),
        "24/7",
        "Talk, text or chat with a crisis counsellor at any hour; can send a mobile team.",
        languages=("en", "es", "vi"),
        minimum_age=None,
        eligibility="Anyone in Demo County.",
        insurance=INSURANCE_NONE,
        own_line=True,
    ),
    Offer(
        "cbh",
        "Demo County Behavioral Health — walk-in crisis clinic",
        K.CRISIS_STABILIZATION,
        ("cbh-main",),
        "walk_in_long",
        "Same-day crisis assessment and a safety plan, without an appointment.",
        languages=("en", "es"),
        minimum_age=None,
        eligibility="Anyone in Demo County.",
        capacity=("slots", 12),
    ),
    Offer(
        "hospital",
        PSYCH_EMERGENCY,
        K.CRISIS_STABILIZATION,
        ("hospital",),
        "24/7",
        "Emergency psychiatric evaluation, including under an emergency hold; observation "
        "beds for up to 23 hours.",
        languages=("en", "es", "ase"),
        minimum_age=None,
        eligibility="Anyone, any age.",
        insurance=INSURANCE_HOSPITAL,
        capacity=("beds", 10),
        own_line=True,
    ),
    # Detox
    Offer(
        "recovery",
        DETOX,
        K.DETOX,
        ("detox",),
        "24/7",
        "Medically monitored withdrawal from alcohol and drugs, with a nurse on site at all "
        "hours; accepts police and co-responder drop-offs.",
        languages=("en", "es"),
        capacity=("beds", 24),
        own_line=True,
        insurance=INSURANCE_PUBLIC,
    ),
    Offer(
        "recovery",
        "Demo Recovery Services — women's withdrawal management",
        K.DETOX,
        ("detox",),
        "24/7",
        "A separate withdrawal management unit for women, with pregnancy care arranged.",
        sex="female",
        eligibility="Women 18 and over.",
        capacity=("beds", 8),
        insurance=INSURANCE_PUBLIC,
    ),
    Offer(
        "recovery",
        "Demo Recovery Services — outpatient withdrawal management",
        K.DETOX,
        ("recovery-op",),
        "office",
        "Daily check-ins and medication for mild to moderate withdrawal, living at home.",
        capacity=("slots", 6),
        cost="sliding",
    ),
    # Substance-use treatment
    Offer(
        "cbh",
        "Demo County Behavioral Health — outpatient substance-use intake",
        K.SUBSTANCE_USE_TREATMENT,
        ("cbh-main", "cbh-south"),
        "office_late",
        "Assessment and a place in outpatient or intensive outpatient treatment.",
        languages=("en", "es"),
        capacity=("slots", 8),
        cost="sliding",
        documents=("Photo identification", "Insurance card, if any"),
    ),
    Offer(
        "recovery",
        "Demo Recovery Services — residential treatment",
        K.SUBSTANCE_USE_TREATMENT,
        ("recovery-res",),
        "24/7",
        "Thirty to ninety days of residential treatment for adults.",
        capacity=("beds", 32),
        insurance=INSURANCE_PUBLIC,
        documents=("Photo identification", "Insurance card, if any"),
    ),
    Offer(
        "recovery",
        "Demo Recovery Services — intensive outpatient program",
        K.SUBSTANCE_USE_TREATMENT,
        ("recovery-op",),
        "office_late",
        "Three evenings a week of group and individual treatment.",
        capacity=("places", 12),
        cost="sliding",
    ),
    Offer(
        "health_center",
        "Demo Community Health Center — medication for opioid use disorder",
        K.SUBSTANCE_USE_TREATMENT,
        ("chc-east", "chc-west"),
        "office",
        "Buprenorphine started the same day, with counselling and primary care.",
        languages=("en", "es"),
        capacity=("slots", 5),
        cost="sliding",
    ),
    # Inpatient psychiatric
    Offer(
        "hospital",
        "Demo Regional Hospital — adult inpatient psychiatric unit",
        K.INPATIENT_PSYCHIATRIC,
        ("hospital",),
        "24/7",
        "Acute inpatient psychiatric care for adults, voluntary and on hold.",
        insurance=INSURANCE_HOSPITAL,
        capacity=("beds", 28),
    ),
    Offer(
        "hospital",
        "Demo Regional Hospital — adolescent inpatient psychiatric unit",
        K.INPATIENT_PSYCHIATRIC,
        ("hospital",),
        "24/7",
        "Acute inpatient psychiatric care for young people, with school on the unit.",
        minimum_age=12,
        maximum_age=17,
        eligibility=YOUTH,
        insurance=INSURANCE_HOSPITAL,
        capacity=("beds", 10),
    ),
    Offer(
        "behavioral_hospital",
        "Demo Behavioral Hospital — inpatient psychiatric care",
        K.INPATIENT_PSYCHIATRIC,
        ("bh",),
        "24/7",
        "Inpatient psychiatric care for adults, including older adults.",
        insurance="Medicare, private",
        capacity=("beds", 40),
    ),
    # Outpatient therapy
    Offer(
        "cbh",
        DEFAULT_REFERRALS[0],
        K.OUTPATIENT_THERAPY,
        ("cbh-main", "cbh-north", "cbh-south"),
        "office_late",
        "Individual and group therapy for adults; an intake appointment within a week.",
        languages=("en", "es"),
        capacity=("slots", 10),
        cost="sliding",
        documents=("Photo identification", "Insurance card, if any"),
    ),
    Offer(
        "cbh",
        "Demo County Behavioral Health — medication clinic",
        K.OUTPATIENT_THERAPY,
        ("cbh-main", "cbh-north"),
        "office",
        "Psychiatric medication assessment and management, including long-acting injections.",
        languages=("en", "es"),
        capacity=("slots", 4),
        cost="sliding",
    ),
    Offer(
        "behavioral_hospital",
        "Demo Behavioral Hospital — partial hospitalization program",
        K.OUTPATIENT_THERAPY,
        ("bh",),
        "office",
        "Five days a week of day treatment, as a step down from a hospital stay.",
        insurance="Medicare, private, Medicaid",
        capacity=("places", 15),
    ),
    Offer(
        "health_center",
        "Demo Community Health Center — integrated behavioral health",
        K.OUTPATIENT_THERAPY,
        ("chc-east", "chc-west"),
        "office",
        "Short-term counselling with the patient's own doctor, same day where possible.",
        languages=("en", "es"),
        capacity=("slots", 6),
        cost="sliding",
    ),
    Offer(
        "vietnamese",
        "Demo Vietnamese Community Services — counselling in Vietnamese",
        K.OUTPATIENT_THERAPY,
        ("viet",),
        "office",
        "Counselling in Vietnamese for adults and families.",
        languages=("vi", "en"),
        minimum_age=None,
        eligibility="Vietnamese-speaking people of any age and their families.",
        capacity=("slots", 3),
        cost="sliding",
    ),
    Offer(
        "deaf",
        "Demo Deaf Access Center — counselling in ASL",
        K.OUTPATIENT_THERAPY,
        ("deaf",),
        "office",
        "Counselling in American Sign Language with Deaf counsellors.",
        languages=("ase", "en"),
        minimum_age=None,
        eligibility="Deaf, DeafBlind and hard-of-hearing people of any age.",
        capacity=("slots", 2),
        cost="sliding",
    ),
    # Support groups
    Offer(
        "hrn",
        REFERRALS["substance_use"][0],
        K.SUPPORT_GROUP,
        ("hrn-hub",),
        "walk_in",
        "A peer recovery coach for the first weeks of recovery: meetings, rides, paperwork.",
        languages=("en", "es"),
        insurance=INSURANCE_NONE,
    ),
    Offer(
        "hrn",
        DEFAULT_REFERRALS[2],
        K.SUPPORT_GROUP,
        ("hrn-hub",),
        "warm_line",
        "A warm line answered by people with lived experience, for when things are hard but "
        "not an emergency.",
        languages=("en", "es"),
        minimum_age=None,
        eligibility="Anyone.",
        insurance=INSURANCE_NONE,
        own_line=True,
    ),
    Offer(
        "support_alliance",
        "Demo Mental Health Support Alliance — family support group",
        K.SUPPORT_GROUP,
        ("alliance",),
        "evening_tue_thu",
        "For families and friends of someone living with a mental illness.",
        insurance=INSURANCE_NONE,
        capacity=("places", 20),
    ),
    Offer(
        "support_alliance",
        "Demo Mental Health Support Alliance — peer connection group",
        K.SUPPORT_GROUP,
        ("alliance", "cbh-north"),
        "evening_mon",
        "A peer-led group for adults living with a mental-health condition.",
        insurance=INSURANCE_NONE,
    ),
    Offer(
        "support_alliance",
        "Demo Mental Health Support Alliance — grupo de apoyo en español",
        K.SUPPORT_GROUP,
        ("alliance",),
        "evening_wed",
        "A support group in Spanish for people living with a mental-health condition and "
        "their families.",
        languages=("es",),
        insurance=INSURANCE_NONE,
    ),
    Offer(
        "grief",
        "Demo Grief Support Center — survivors of suicide loss group",
        K.SUPPORT_GROUP,
        ("grief",),
        "evening_mon",
        "For adults who have lost someone to suicide.",
        insurance=INSURANCE_NONE,
        capacity=("places", 14),
    ),
    Offer(
        "grief",
        "Demo Grief Support Center — grief support group",
        K.SUPPORT_GROUP,
        ("grief",),
        "evening_wed",
        "An eight-week group after the death of someone close.",
        insurance=INSURANCE_NONE,
    ),
    Offer(
        "fellowship",
        "Demo Recovery Fellowship — evening recovery meetings",
        K.SUPPORT_GROUP,
        ("fellowship",),
        "evening_daily",
        "Open peer-led recovery meetings every evening; no sign-up.",
        languages=("en", "es"),
        minimum_age=None,
        eligibility="Anyone who wants to stop using.",
        insurance=INSURANCE_NONE,
    ),
    # Shelter and housing
    Offer(
        "hrn",
        REFERRALS["resources_request"][0],
        K.SHELTER_HOUSING,
        ("hrn-hub",),
        "office",
        "One front door to the county's shelter beds: a bed tonight and a housing plan.",
        languages=("en", "es"),
        insurance=INSURANCE_NONE,
        capacity=("beds", 30),
        documents=("Photo identification, if any (not needed for a first night)",),
    ),
    Offer(
        "hrn",
        "Demo Housing & Recovery Network — recovery housing",
        K.SHELTER_HOUSING,
        ("hrn-house",),
        "shelter_day_intake",
        "Sober shared housing for adults in recovery, with a house manager.",
        insurance=INSURANCE_NONE,
        capacity=("beds", 18),
        cost="rent",
        documents=("Photo identification", "Proof of income, if any"),
    ),
    Offer(
        "night_shelter",
        "Demo Night Shelter — adult emergency shelter",
        K.SHELTER_HOUSING,
        ("night",),
        "shelter_intake",
        "Beds, a meal and a shower for adults, night by night.",
        languages=("en", "es"),
        insurance=INSURANCE_NONE,
        capacity=("beds", 120),
    ),
    Offer(
        "family_shelter",
        "Demo Family Shelter — family emergency shelter",
        K.SHELTER_HOUSING,
        ("family",),
        "shelter_day_intake",
        "Private rooms for families with children, and help finding a home.",
        minimum_age=None,
        eligibility="Families with at least one child under 18.",
        insurance=INSURANCE_NONE,
        capacity=("beds", 48),
        documents=("Photo identification for each adult", "Birth certificate for each child"),
    ),
    Offer(
        "safe_house",
        "Demo Women's Safe House — emergency shelter for women",
        K.SHELTER_HOUSING,
        ("safe",),
        "24/7",
        "Confidential shelter for women, with their children, leaving violence.",
        languages=("en", "es"),
        sex="female",
        eligibility="Women 18 and over, with their children, leaving violence.",
        insurance=INSURANCE_NONE,
        capacity=("beds", 22),
        own_line=True,
    ),
    Offer(
        "youth",
        "Demo Youth Services — youth emergency shelter",
        K.SHELTER_HOUSING,
        ("youth-shelter",),
        "24/7",
        "Short-term shelter and family reunification for young people.",
        minimum_age=12,
        maximum_age=17,
        eligibility=YOUTH,
        insurance=INSURANCE_NONE,
        capacity=("beds", 12),
        own_line=True,
    ),
    # Veterans' services
    Offer(
        "veterans_office",
        REFERRALS["veteran_support"][0],
        K.VETERANS_SERVICES,
        ("vso",),
        "office",
        "A fellow veteran as a mentor: someone to call, and help with the VA.",
        veterans=True,
        eligibility=VETERANS,
        insurance=INSURANCE_NONE,
        documents=("DD-214 or VA identification card",),
    ),
    Offer(
        "veterans_office",
        "Demo County Veterans Services Office — benefits claims help",
        K.VETERANS_SERVICES,
        ("vso",),
        "office",
        "Help filing VA disability, pension and health-care claims.",
        veterans=True,
        eligibility=VETERANS,
        insurance=INSURANCE_NONE,
        documents=("DD-214 or VA identification card",),
        capacity=("slots", 4),
    ),
    Offer(
        "veterans_office",
        "Demo County Veterans Services Office — transitional housing",
        K.VETERANS_SERVICES,
        ("vso",),
        "shelter_day_intake",
        "Up to two years of transitional housing for veterans who are homeless.",
        veterans=True,
        eligibility="Veterans 18 and over who are homeless.",
        insurance=INSURANCE_NONE,
        capacity=("beds", 16),
        documents=("DD-214 or VA identification card",),
    ),
    Offer(
        "vet_center",
        "Demo Veterans Center — readjustment counselling",
        K.VETERANS_SERVICES,
        ("vet-center",),
        "office_late",
        "Confidential counselling for combat veterans, military sexual trauma survivors and "
        "their families.",
        veterans=True,
        eligibility=VETERANS,
        insurance=INSURANCE_NONE,
        capacity=("slots", 3),
    ),
    # Youth counselling
    Offer(
        "cbh",
        REFERRALS["youth_in_crisis"][0],
        K.YOUTH_COUNSELING,
        ("cbh-north", "cbh-south"),
        "after_school",
        "Therapy for young people and their families, at the clinic or at school.",
        languages=("en", "es"),
        minimum_age=12,
        maximum_age=17,
        eligibility=YOUTH,
        capacity=("slots", 6),
        cost="sliding",
        documents=("Parent or guardian consent (under 15)",),
    ),
    Offer(
        "youth",
        "Demo Youth Services — drop-in centre",
        K.YOUTH_COUNSELING,
        ("youth-centre",),
        "after_school",
        "A safe place after school: counselling on the spot, meals, showers and laundry.",
        languages=("en", "es"),
        minimum_age=12,
        maximum_age=24,
        eligibility=YOUTH_24,
        insurance=INSURANCE_NONE,
    ),
    Offer(
        "youth",
        "Demo Youth Services — youth counselling",
        K.YOUTH_COUNSELING,
        ("youth-centre",),
        "after_school",
        "Free short-term counselling for young people; LGBTQ+ affirming.",
        minimum_age=12,
        maximum_age=24,
        eligibility=YOUTH_24,
        insurance=INSURANCE_NONE,
        capacity=("slots", 4),
    ),
    # Food and benefits
    Offer(
        "food_bank",
        "Demo Community Food Bank — food pantry",
        K.FOOD_BENEFITS,
        ("pantry-east", "pantry-west"),
        "pantry",
        "Groceries once a week for any household in need.",
        languages=("en", "es", "vi"),
        minimum_age=None,
        eligibility="Any household.",
        insurance=INSURANCE_NONE,
    ),
    Offer(
        "food_bank",
        "Demo Community Food Bank — mobile pantry",
        K.FOOD_BENEFITS,
        ("pantry-east",),
        "mobile_pantry",
        "A truck of groceries at neighbourhood stops.",
        minimum_age=None,
        eligibility="Any household.",
        insurance=INSURANCE_NONE,
        status=Service.Status.TEMPORARILY_CLOSED,
        alert="Paused until further notice while the truck is repaired.",
    ),
    Offer(
        "food_bank",
        "Demo Community Food Bank — SNAP application help",
        K.FOOD_BENEFITS,
        ("pantry-west",),
        "half_days",
        "Help applying for SNAP food benefits.",
        languages=("en", "es"),
        insurance=INSURANCE_NONE,
        documents=("Photo identification", "Proof of address", "Proof of income"),
    ),
    Offer(
        "human_services",
        "Demo County Human Services — Medicaid and benefits enrollment",
        K.FOOD_BENEFITS,
        ("dhs",),
        "office",
        "Applications for Medicaid, SNAP, cash assistance and child care help.",
        languages=("en", "es", "vi"),
        minimum_age=None,
        eligibility="Demo County residents.",
        insurance=INSURANCE_NONE,
        documents=("Photo identification", "Proof of address", "Proof of income"),
    ),
    # Other
    Offer(
        "hospital",
        HOSPITAL_ED,
        K.OTHER,
        ("hospital",),
        "24/7",
        "Emergency medical care, including medical clearance before a psychiatric admission.",
        languages=("en", "es", "ase"),
        minimum_age=None,
        eligibility="Anyone, any age.",
        insurance=INSURANCE_HOSPITAL,
        own_line=True,
    ),
    Offer(
        "human_services",
        "Demo County Human Services — emergency rental assistance",
        K.OTHER,
        ("dhs",),
        "office",
        "One-time help with rent to prevent an eviction.",
        languages=("en", "es"),
        insurance=INSURANCE_NONE,
        documents=("Photo identification", "Lease", "Notice from the landlord"),
    ),
    Offer(
        "legal_aid",
        "Demo Legal Aid — eviction defence",
        K.OTHER,
        ("legal",),
        "half_days",
        "A lawyer for tenants facing eviction, free for households on low incomes.",
        languages=("en", "es"),
        insurance=INSURANCE_NONE,
        documents=("Any court papers or notices",),
    ),
    Offer(
        "legal_aid",
        "Demo Legal Aid — record sealing clinic",
        K.OTHER,
        ("legal",),
        "evening_wed",
        "Help sealing old criminal records that stand in the way of jobs and housing.",
        insurance=INSURANCE_NONE,
    ),
]

COSTS = {
    "free": [("Free", Decimal(0), "No charge.")],
    "sliding": [
        (
            "Sliding scale",
            Decimal(10),
            "From $10 a visit, by household income; nobody is turned away for inability to pay.",
        ),
    ],
    "rent": [("Weekly rent", Decimal(120), "Program fee, reduced for those without income.")],
}
ACCESSIBILITY = [
    ("Wheelchair accessible entrance and restrooms", "Step-free entrance; automatic doors."),
    ("Wheelchair accessible", "Lift to every floor."),
    ("Hearing loop at reception", "Ask at the front desk."),
]
LANGUAGE_NAMES = {
    "en": "English",
    "es": "Spanish",
    "vi": "Vietnamese",
    "ase": "American Sign Language",
}


def destination_names() -> list[str]:
    """The directory services the demo encounters name as destinations or referrals."""
    names = [CRISIS_UNIT, DETOX, HOSPITAL_ED, PSYCH_EMERGENCY, *DEFAULT_REFERRALS]
    names += [name for names in REFERRALS.values() for name in names]
    return list(dict.fromkeys(names))


@dataclass
class DirectorySummary:
    services: int
    locations: int
    full: int

    def __str__(self) -> str:
        return (
            f"directory: {self.services} services at {self.locations} locations, {self.full} full"
        )


def describe_directory(program) -> str:
    """One line for the demo command: the directory's size and how many services are full."""
    services = Service.objects.filter(program=program).count()
    locations = Location.objects.filter(program=program).count()
    full = (
        ServiceCapacity.objects.filter(program=program, available=0)
        .values("service_id")
        .distinct()
        .count()
    )
    return str(DirectorySummary(services, locations, full))


def build_demo_directory(program, *, rng: random.Random, now: datetime) -> DirectorySummary:
    """Writes the demo county's directory into the program: one bulk insert per table."""

    def new_id() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    phones = (f"555-01{number:02d}" for number in range(100))
    rows: dict[type, list] = {model: [] for model in BUILD_ORDER}

    def add(model, **values):
        record = model(program=program, hsds_id=new_id(), **values)
        rows[model].append(record)
        return record

    units = {
        key: add(Unit, name=name, scheme="coresponder", identifier=identifier)
        for key, (name, identifier) in UNITS.items()
    }
    organizations, locations = {}, {}
    for org in ORGS:
        organization = add(
            Organization,
            name=org.name,
            description=org.description,
            website=f"https://{org.key.replace('_', '-')}.demo.invalid/",
            email=f"info@{org.key.replace('_', '-')}.demo.invalid",
            year_incorporated=org.year,
            tax_status="501(c)(3)"
            if org.key not in {"cbh", "human_services", "veterans_office"}
            else "government",
        )
        organizations[org.key] = organization
        add(
            Phone,
            organization=organization,
            number=next(phones),
            type="voice",
            description="Main line",
        )
        for key, name, number, street, area in org.sites:
            lat, lon = AREAS[area]
            location = add(
                Location,
                location_type=Location.Type.PHYSICAL,
                organization=organization,
                name=name,
                latitude=_coordinate(lat + rng.uniform(-0.012, 0.012)),
                longitude=_coordinate(lon + rng.uniform(-0.012, 0.012)),
                transportation="Bus stop at the door." if rng.random() < 0.6 else "",
            )
            locations[key] = location
            add(
                Address,
                location=location,
                address_1=f"{number} {street}",
                city=CITY,
                region=REGION,
                state_province=STATE,
                postal_code=POSTAL_CODES[area],
                country=COUNTRY,
                address_type=Location.Type.PHYSICAL,
            )
            description, details = ACCESSIBILITY[rng.randrange(len(ACCESSIBILITY))]
            add(Accessibility, location=location, description=description, details=details)
    with_capacity = [offer for offer in OFFERS if offer.capacity]
    full = set(rng.sample(range(len(with_capacity)), k=max(3, len(with_capacity) // 6)))
    capacity_number = 0
    for offer in OFFERS:
        service = add(
            Service,
            organization=organizations[offer.org],
            name=offer.name,
            description=offer.description,
            status=offer.status,
            alert=offer.alert,
            kind=offer.kind,
            minimum_age=offer.minimum_age,
            maximum_age=offer.maximum_age,
            veterans=offer.veterans,
            sex=offer.sex,
            eligibility_description=offer.eligibility,
            insurance_accepted=offer.insurance,
            fees_description=COSTS[offer.cost][0][2],
            interpretation_services="Phone interpreters for any language."
            if len(offer.languages) > 1
            else "",
            application_process="Walk in or call."
            if offer.hours.startswith(("24/7", "walk_in"))
            else "Call to make an appointment.",
        )
        for key in offer.sites:
            add(ServiceAtLocation, service=service, location=locations[key])
        description, hours = HOURS[offer.hours]
        for byday, opens, closes in hours:
            add(
                Schedule,
                service=service,
                freq="MONTHLY" if any(c.isdigit() for c in byday) else "WEEKLY",
                byday=byday,
                wkst="MO",
                opens_at=time.fromisoformat(opens),
                closes_at=time.fromisoformat(closes),
                timezone=UTC_OFFSET,
                description=description,
                attending_type="in person",
            )
        for code in offer.languages:
            add(Language, service=service, name=LANGUAGE_NAMES[code], code=code)
        for option, amount, amount_description in COSTS[offer.cost]:
            add(
                CostOption,
                service=service,
                option=option,
                currency="USD",
                amount=amount,
                amount_description=amount_description,
            )
        for document in offer.documents:
            add(RequiredDocument, service=service, document=document)
        if offer.own_line:
            add(
                Phone,
                service=service,
                number=next(phones),
                type="voice",
                description="24-hour line" if offer.hours == "24/7" else "Direct line",
            )
        if offer.capacity:
            unit, maximum = offer.capacity
            full_now = capacity_number in full
            available = 0 if full_now else rng.randint(1, max(1, maximum // 2))
            capacity_number += 1
            add(
                ServiceCapacity,
                service=service,
                unit=units[unit],
                available=available,
                maximum=maximum,
                updated=now - timedelta(minutes=rng.randint(5, 240)),
                description=UNIT_DESCRIPTIONS[unit],
            )
    for model in BUILD_ORDER:
        model.objects.bulk_create(rows[model])
    return DirectorySummary(
        services=len(rows[Service]), locations=len(rows[Location]), full=len(full)
    )


UNIT_DESCRIPTIONS = {
    "beds": "Beds free now.",
    "slots": "Same-day appointments left today.",
    "places": "Places free in the next group.",
}
# Tables in the order their references allow.
BUILD_ORDER = [
    Unit,
    Organization,
    Location,
    Address,
    Accessibility,
    Service,
    ServiceAtLocation,
    Phone,
    Schedule,
    Language,
    CostOption,
    RequiredDocument,
    ServiceCapacity,
]


def _coordinate(value: float) -> Decimal:
    return Decimal(f"{value:.5f}")
