"""Demo encounters, and response plans for the people the program meets again and again.

Every dispatched demo call ends in an encounter. The outcomes come in the proportions
co-responder programs publish (Albuquerque COAST: about four in ten with no formal action,
a third voluntary engagement, a few percent enforcement). Each outcome is chosen before
the call's history is written (`plan_dispositions`, called by demo/calls.py), so the
team's statuses agree with it: a team went through "transporting" exactly when the person
was taken somewhere.

Earlier calls' encounters are written as rows, complete and signed, at past times, after
each has passed the checks the encounter actions use (sections, instruments, disposition).
The last hour's encounters are drafts written through the real actions by the responders
on scene, so the field view shows work in progress and the audit log shows who wrote it.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from coresponder.accounts.models import Agency, User
from coresponder.calls.models import Call, CallState
from coresponder.dispatch.models import MemberRole, StatusEvent, Team, TeamMember
from coresponder.dispatch.status import Status
from coresponder.encounters import actions as encounters
from coresponder.encounters import dispositions, instruments
from coresponder.encounters import sections as section_rules
from coresponder.encounters.dispositions import TRANSPORTS, Disposition
from coresponder.encounters.models import (
    Assessment,
    Encounter,
    EncounterState,
    PlanState,
    ResponsePlan,
    Section,
    SectionState,
)
from coresponder.encounters.sections import INTERVENTION_CODES, Kind
from coresponder.people import actions as people
from coresponder.people.models import Person
from coresponder.privacy import actions as privacy
from coresponder.privacy.models import AccessRelation, Consent

D = Disposition

# Shares of the day's outcomes, in percent (largest remainder, so a day of any size keeps them).
SHARES = [
    (D.RESOLVED_ON_SCENE, 40),
    (D.REFERRED_VOLUNTARY, 20),
    (D.TRANSPORTED_VOLUNTARY, 13),
    (D.EMERGENCY_HOLD, 8),
    (D.REFUSED_SERVICES, 6),
    (D.UNABLE_TO_LOCATE, 5),
    (D.MEDICAL_TRANSPORT, 4),
    (D.CITATION, 2),
    (D.ARREST, 2),
]
# Concerns from the most to the least telling: the first one a call has leads its note.
LEADING = [
    "suicidal",
    "self_harm",
    "psychosis_disorientation",
    "youth_in_crisis",
    "substance_use",
    "depression_isolation",
    "veteran_support",
    "trauma_ptsd",
    "grief_loss",
    "anxiety_panic",
    "welfare_check",
    "resources_request",
]
SUICIDE_CONCERNS = {"suicidal", "self_harm"}
LEGAL_BASIS = "Demo State emergency mental-health hold statute (72-hour evaluation)"


def _leading(call: Call) -> str:
    return next((c for c in LEADING if c in call.concerns), "welfare_check")


def _officer_there(call: Call) -> bool:
    return call.response != "mobile_crisis"  # a clinician-only response


def _has(call: Call, *names: str) -> bool:
    return bool(set(names) & (set(call.concerns) | set(call.screening)))


def _always(_call: Call) -> bool:
    return True


# (disposition, who may end in it, who is likelier to), in the order they are handed out;
# whatever is left is resolved on scene.
RULES = [
    (D.ARREST, _officer_there, lambda c: _has(c, "violence_or_threats", "weapon")),
    (D.CITATION, _officer_there, lambda c: _has(c, "intoxication", "violence_or_threats")),
    (
        D.EMERGENCY_HOLD,
        _always,
        lambda c: _has(c, "attempt_in_progress", *SUICIDE_CONCERNS, "psychosis_disorientation"),
    ),
    (D.MEDICAL_TRANSPORT, _always, lambda c: _has(c, "medical_emergency", "intoxication")),
    (
        D.UNABLE_TO_LOCATE,
        lambda c: not _has(c, "attempt_in_progress"),
        lambda c: _has(c, "welfare_check") or c.caller_relation in ("bystander", "unknown"),
    ),
    (
        D.TRANSPORTED_VOLUNTARY,
        _always,
        lambda c: _has(c, "suicidal", "self_harm", "substance_use", "psychosis_disorientation"),
    ),
    (
        D.REFERRED_VOLUNTARY,
        _always,
        lambda c: _has(
            c,
            "depression_isolation",
            "substance_use",
            "resources_request",
            "veteran_support",
            "grief_loss",
            "trauma_ptsd",
            "youth_in_crisis",
        ),
    ),
    (D.REFUSED_SERVICES, lambda c: not _has(c, "attempt_in_progress"), _always),
]


def quotas(n: int) -> dict[Disposition, int]:
    """How many of `n` encounters end in each disposition (largest remainder)."""
    total = sum(share for _d, share in SHARES)
    exact = {d: n * share / total for d, share in SHARES}
    counts = {d: int(x) for d, x in exact.items()}
    by_remainder = sorted(SHARES, key=lambda item: -(exact[item[0]] - counts[item[0]]))
    for d, _share in by_remainder[: n - sum(counts.values())]:
        counts[d] += 1
    return counts


def plan_dispositions(rng: random.Random, calls: list[Call]) -> dict[object, Disposition]:
    """The disposition each call will end in: the program's mix, fitted to what was reported.

    A call whose concerns fit a disposition is four times as likely to be drawn for it, so
    holds come mostly from suicide and psychosis calls and arrests from violent ones,
    without every such call ending the same way.
    """
    wanted = quotas(len(calls))
    chosen: dict[object, Disposition] = {}
    for disposition, eligible, likely in RULES:
        open_calls = [c for c in calls if c.pk not in chosen and eligible(c)]
        # Weighted draw without replacement (Efraimidis–Spirakis keys).
        keyed = sorted(
            open_calls, key=lambda c: rng.random() ** (1 / (4 if likely(c) else 1)), reverse=True
        )
        for call in keyed[: wanted[disposition]]:
            chosen[call.pk] = disposition
    return {call.pk: chosen.get(call.pk, D.RESOLVED_ON_SCENE) for call in calls}


# What the clinician saw, by the leading concern (the B of the BIRP note).
BEHAVIOUR = {
    "suicidal": "Met the person in the living room. Tearful, speech slow; said they have been "
    "thinking about not wanting to be here since losing their job. Denied alcohol or drugs today.",
    "self_harm": "Fresh superficial cuts on the forearm, already bandaged. Said cutting helps "
    "when the pressure builds; denied wanting to die today.",
    "psychosis_disorientation": "Pacing in the hallway, talking to someone not present; said "
    "the neighbours send signals through the walls. Oriented to name only.",
    "youth_in_crisis": "Young person locked in the bathroom after a family argument; came out "
    "after ten minutes of talking through the door. Angry, then tearful.",
    "substance_use": "Sitting outside the store, slurred speech and unsteady on their feet; "
    "said they had been drinking since the morning. Irritable at first, then cooperative.",
    "depression_isolation": "Answered the door after several minutes; apartment dark, little "
    "food in the kitchen. Flat affect, short answers; has stopped going out.",
    "veteran_support": "Veteran sitting in the car outside the house; said this week is the "
    "anniversary of a loss during deployment and they did not want to be alone.",
    "trauma_ptsd": "Startled easily; described flashbacks since an assault last month and "
    "sleeping only a few hours a night.",
    "grief_loss": "Crying, not sleeping since their partner died last week; has hardly eaten. "
    "Said the nights are the hardest.",
    "anxiety_panic": "Breathing fast, hand on chest, said they felt they were going to die. The "
    "episode began after an argument at work; no history of heart problems.",
    "welfare_check": "Resident answered after repeated knocking; had missed medication for "
    "several days and not eaten well. Alert, oriented, somewhat withdrawn.",
    "resources_request": "At the transit centre with two bags; evicted last week and slept "
    "outside for three nights. Calm and clear, asking for a bed and a shower.",
}
IMPRESSION = {
    "suicidal": "Depressive episode with suicidal ideation",
    "self_harm": "Non-suicidal self-injury; emotional dysregulation",
    "psychosis_disorientation": "Psychotic symptoms; possible missed medication",
    "youth_in_crisis": "Adjustment reaction after family conflict",
    "substance_use": "Alcohol intoxication; alcohol use disorder suspected",
    "depression_isolation": "Depressive symptoms; social isolation",
    "veteran_support": "Trauma-related distress; anniversary reaction",
    "trauma_ptsd": "Post-traumatic stress symptoms",
    "grief_loss": "Acute grief",
    "anxiety_panic": "Panic attack",
    "welfare_check": "Self-care decline; medication non-adherence",
    "resources_request": "Housing crisis; no acute psychiatric symptoms",
}
INTERVENTION_WORDS = {
    "de_escalation": "Spoke calmly, one voice at a time; offered water and a seat.",
    "time_and_space": "Gave time and space; waited until the person was ready to talk.",
    "counselling": "Supportive counselling: reflected feelings, explored what helped before.",
    "safety_planning": "Wrote a Stanley–Brown safety plan together; the person kept a copy.",
    "resource_information": "Gave the 988 Lifeline number and the walk-in clinic's hours.",
    "naloxone": "Naloxone given by the EMT for suspected opioid overdose.",
    "transport": "Transport arranged with the team.",
}
RESPONSE = {
    D.RESOLVED_ON_SCENE: "Calmer by the end of the visit; said they feel safe to stay home "
    "tonight and will call 988 if the feelings return.",
    D.REFERRED_VOLUNTARY: "Engaged well; agreed to a referral and gave permission for the "
    "service to call.",
    D.TRANSPORTED_VOLUNTARY: "Agreed to get more help tonight; packed a bag and came with the "
    "team voluntarily.",
    D.EMERGENCY_HOLD: "Could not agree to keep safe and declined voluntary care; emergency hold "
    "after consultation with the officer.",
    D.MEDICAL_TRANSPORT: "Medical concerns needed a hospital evaluation; the person agreed to "
    "go with EMS.",
    D.CITATION: "Calmed once the officer explained the summons; accepted resource information.",
    D.ARREST: "Stayed assaultive despite de-escalation; taken into custody. Jail medical told "
    "of the mental-health concerns.",
    D.REFUSED_SERVICES: "Declined further help and referrals. No grounds for a hold: not a "
    "danger to self or others, able to care for self.",
}
PLAN = {
    D.RESOLVED_ON_SCENE: "No further action needed tonight; follow-up call offered.",
    D.REFERRED_VOLUNTARY: "Referred to {destination}; case manager to call within 72 hours.",
    D.TRANSPORTED_VOLUNTARY: "Handed over at {destination}; case manager to follow up.",
    D.EMERGENCY_HOLD: "Emergency evaluation at {destination}; clinician to call the unit "
    "tomorrow and open follow-up.",
    D.MEDICAL_TRANSPORT: "Taken to {destination}; crisis follow-up once medically cleared.",
    D.CITATION: "Case manager to offer outpatient services before the court date.",
    D.ARREST: "Jail mental-health team informed; case manager to contact on release.",
    D.REFUSED_SERVICES: "Left the crisis line number; follow-up call in two days if they agree.",
}
REFERRALS = {
    "substance_use": [
        "Demo Housing & Recovery Network — peer recovery support",
        "Demo County Behavioral Health — outpatient substance-use intake",
    ],
    "resources_request": ["Demo Housing & Recovery Network — shelter intake"],
    "veteran_support": ["Demo County veterans services — peer mentor program"],
    "youth_in_crisis": ["Demo County Behavioral Health — youth and family services"],
    "psychosis_disorientation": ["Demo County Behavioral Health — medication clinic"],
}
DEFAULT_REFERRALS = [
    "Demo County Behavioral Health — outpatient therapy intake",
    "Demo County Behavioral Health — walk-in crisis clinic",
    "Demo Housing & Recovery Network — peer support line",
]
CRISIS_UNIT = "Demo County Crisis Stabilization Unit"
DETOX = "Demo Withdrawal Management Center"
HOSPITAL_ED = "Demo Regional Hospital — emergency department"
PSYCH_EMERGENCY = "Demo Regional Hospital — psychiatric emergency service"
JAIL = "Demo County Detention Center"
SAFETY_NARRATIVE = {
    D.RESOLVED_ON_SCENE: "Scene safe on arrival. Stood by while the clinician talked with the "
    "person; no law-enforcement action needed.",
    D.REFERRED_VOLUNTARY: "Scene safe. Person cooperative throughout; no law-enforcement action.",
    D.TRANSPORTED_VOLUNTARY: "Scene safe. Person agreed to go voluntarily; no law-enforcement "
    "action.",
    D.EMERGENCY_HOLD: "Clinician found the hold criteria met; officer stayed with the person "
    "through the transport.",
    D.MEDICAL_TRANSPORT: "Scene safe; EMS requested for a medical evaluation.",
    D.CITATION: "Person damaged property during the argument and ignored repeated requests to "
    "stop; summons issued, released at the scene.",
    D.ARREST: "Person struck a family member before arrival (visible injury); arrested after "
    "de-escalation did not work.",
    D.REFUSED_SERVICES: "Person asked the team to leave; no grounds to act. Left a resource card.",
    D.UNABLE_TO_LOCATE: "Checked the address and the surrounding block; no one matching the "
    "description. Called the caller back: no answer. Cleared.",
}
CHARGES = {
    D.CITATION: [
        "Criminal mischief (damaged property) — municipal summons",
        "Disorderly conduct — municipal summons",
    ],
    D.ARREST: ["Third-degree assault (domestic) — custodial arrest"],
}
WARNING_SIGNS = [
    "Not sleeping for several nights",
    "Staying in the apartment all day",
    "Thinking I am a burden",
    "Drinking alone in the evening",
    "Pulling away from family",
]
COPING = [
    "Walk around the block",
    "Music with headphones",
    "A hot shower and a cup of tea",
    "Write down what I am feeling",
    "Play a game on my phone",
]
DISTRACTION = [
    [{"name": "Neighbour next door", "phone": ""}],
    [{"name": "Public library reading room", "phone": ""}],
    [{"name": "Coffee group at the community centre", "phone": ""}],
]
HELPERS = [
    [{"name": "Sibling (number on file)", "phone": "555-0163"}],
    [{"name": "Friend from work (number on file)", "phone": "555-0174"}],
    [{"name": "Adult child (number on file)", "phone": "555-0181"}],
]
PROFESSIONALS = [
    {"name": "988 Suicide & Crisis Lifeline", "phone": "988"},
    {"name": "Crisis clinician on duty", "phone": "555-0142"},
]
SAFE_ENVIRONMENT = [
    ["A family member keeps the medications and gives a week's supply"],
    ["Firearm stored with a relative until things are better"],
    ["Sharps and spare medications removed from the bedroom"],
]
WORTH_LIVING_FOR = ["My dog", "My grandchildren", "Getting back to work", "My music"]


# The C-SSRS risk levels of each outcome's screens, taken in turn (each outcome's list starts
# at a random place), so a day's screens spread across the levels as the outcomes do.
SCREEN_LEVELS = {
    D.EMERGENCY_HOLD: ["high", "moderate", "high", "high"],
    D.TRANSPORTED_VOLUNTARY: ["moderate", "high", "low", "high", "moderate"],
    D.MEDICAL_TRANSPORT: ["high", "low", "moderate"],
    D.REFERRED_VOLUNTARY: ["none", "low", "moderate", "low", "none"],
    D.RESOLVED_ON_SCENE: ["low", "none", "low", "moderate", "none", "low"],
}
OTHER_LEVELS = ["none", "low"]


class ScreenLevels:
    def __init__(self, rng: random.Random) -> None:
        self.turn = {d: rng.randrange(len(SCREEN_LEVELS.get(d, OTHER_LEVELS))) for d in D}
        self.plans = rng.randrange(2)

    def safety_plan(self) -> bool:
        """Every other person screened at some risk who stays or goes voluntarily."""
        self.plans += 1
        return self.plans % 2 == 0

    def next(self, disposition: Disposition) -> str:
        levels = SCREEN_LEVELS.get(disposition, OTHER_LEVELS)
        level = levels[self.turn[disposition] % len(levels)]
        self.turn[disposition] += 1
        return level


def cssrs_answers(rng: random.Random, level: str) -> dict[str, bool]:
    """C-SSRS screener answers that land in `level`, asking only what the skip logic asks."""
    answers = {"wish_dead": level != "none", "suicidal_thoughts": False, "behavior": False}
    if level == "low":
        answers["suicidal_thoughts"] = rng.random() < 0.5
    elif level == "moderate":
        if rng.random() < 0.7:
            answers["suicidal_thoughts"] = True
            answers["method"] = True
        else:
            answers["behavior"] = True
            answers["behavior_recent"] = False
    elif level == "high":
        answers["suicidal_thoughts"] = True
        answers["method"] = True
        answers["intent"] = rng.random() < 0.7
        answers["plan"] = rng.random() < 0.5 or not answers["intent"]
        answers["behavior"] = rng.random() < 0.4
        if answers["behavior"]:
            answers["behavior_recent"] = rng.random() < 0.5
    if answers["suicidal_thoughts"]:
        for key in ("method", "intent", "plan"):
            answers.setdefault(key, False)
    # Ask 6a only after a yes to 6.
    if answers["behavior"]:
        answers.setdefault("behavior_recent", False)
    return {key: answers[key] for key in sorted(answers)}


def safety_plan_answers(rng: random.Random) -> dict:
    return {
        "warning_signs": rng.sample(WARNING_SIGNS, 2),
        "internal_coping": rng.sample(COPING, 2),
        "distraction": rng.choice(DISTRACTION),
        "help_people": rng.choice(HELPERS),
        "professionals": PROFESSIONALS,
        "safe_environment": rng.choice(SAFE_ENVIRONMENT),
        "worth_living_for": rng.choice(WORTH_LIVING_FOR),
    }


def _destination(rng: random.Random, call: Call, disposition: Disposition) -> str:
    if disposition == D.REFERRED_VOLUNTARY:
        return rng.choice(REFERRALS.get(_leading(call), DEFAULT_REFERRALS))
    if disposition == D.TRANSPORTED_VOLUNTARY:
        if _has(call, "substance_use", "intoxication"):
            return DETOX
        return rng.choice([CRISIS_UNIT, CRISIS_UNIT, HOSPITAL_ED])
    if disposition == D.EMERGENCY_HOLD:
        return rng.choice([PSYCH_EMERGENCY, CRISIS_UNIT])
    if disposition == D.MEDICAL_TRANSPORT:
        return HOSPITAL_ED
    if disposition == D.ARREST:
        return JAIL
    return ""


def _hold_criteria(call: Call, level: str) -> list[str]:
    criteria = []
    if level in ("high", "moderate") or _has(call, "attempt_in_progress", *SUICIDE_CONCERNS):
        criteria.append("danger_to_self")
    if _has(call, "violence_or_threats", "weapon"):
        criteria.append("danger_to_others")
    if _has(call, "psychosis_disorientation", "welfare_check") or not criteria:
        criteria.append("gravely_disabled")
    return criteria


def _interventions(
    rng: random.Random, call: Call, disposition: Disposition, *, safety_plan: bool, emt: bool
) -> list[str]:
    if disposition == D.UNABLE_TO_LOCATE:
        return []
    chosen = set()
    if rng.random() < 0.7 or disposition in (D.EMERGENCY_HOLD, D.ARREST, D.CITATION):
        chosen.add("de_escalation")
    if rng.random() < 0.25:
        chosen.add("time_and_space")
    if disposition not in (D.ARREST, D.REFUSED_SERVICES) and rng.random() < 0.6:
        chosen.add("counselling")
    if disposition in (D.REFERRED_VOLUNTARY, D.CITATION) or rng.random() < 0.5:
        chosen.add("resource_information")
    if safety_plan:
        chosen.add("safety_planning")
    if disposition in TRANSPORTS:
        chosen.add("transport")
    if emt and disposition == D.MEDICAL_TRANSPORT and _has(call, "substance_use", "intoxication"):
        chosen.add("naloxone")
    return sorted(chosen)


def _behaviours(call: Call, disposition: Disposition) -> list[str]:
    seen = []
    concern = _leading(call)
    if concern in ("psychosis_disorientation",):
        seen += ["confused", "hallucinating"]
    if concern in ("suicidal", "depression_isolation", "grief_loss"):
        seen.append("withdrawn")
    if concern == "self_harm":
        seen.append("self_harm")
    if _has(call, "intoxication", "substance_use"):
        seen.append("intoxicated")
    if _has(call, "violence_or_threats") or disposition in (D.ARREST, D.CITATION):
        seen.append("agitated")
    if disposition == D.ARREST:
        seen.append("threatening")
    return sorted(set(seen)) or ["calm"]


def safety_content(rng: random.Random, call: Call, disposition: Disposition) -> dict:
    if disposition == D.UNABLE_TO_LOCATE:
        # The officer's search: nothing about a person who was never found.
        return {"force": "none", "narrative": SAFETY_NARRATIVE[disposition]}
    force = "none"
    if disposition == D.ARREST or (
        disposition == D.EMERGENCY_HOLD and _has(call, "violence_or_threats") and rng.random() < 0.5
    ):
        force = "hands"
    weapons = "None seen"
    if _has(call, "weapon"):
        weapons = rng.choice(
            [
                "Kitchen knife in the bedroom, secured by the officer before the interview",
                "Folding knife handed over voluntarily; kept by family",
            ]
        )
    return {
        "behaviours": _behaviours(call, disposition),
        "weapons": weapons,
        "threats": "Verbal threats toward a family member before arrival"
        if _has(call, "violence_or_threats")
        else "None",
        "force": force,
        "injuries": "Minor injury to the family member; declined care"
        if disposition == D.ARREST
        else ("Superficial self-inflicted cuts, bandaged" if _has(call, "self_harm") else "None"),
        "charges": rng.choice(CHARGES[disposition]) if disposition in CHARGES else "",
        "narrative": SAFETY_NARRATIVE[disposition]
        + (" Brief hands-on control; no injuries from it." if force == "hands" else ""),
    }


def clinical_content(
    call: Call,
    disposition: Disposition,
    *,
    destination: str,
    interventions: list[str],
    screen_label: str,
) -> dict:
    concern = _leading(call)
    did = [INTERVENTION_WORDS[code] for code in interventions]
    if screen_label:
        did.insert(0, "Completed the C-SSRS screener.")
    impression = IMPRESSION[concern]
    if screen_label:
        impression += f"; C-SSRS: {screen_label.lower()}"
    return {
        "behaviour": BEHAVIOUR[concern],
        "intervention": " ".join(did) or "Assessment and supportive listening.",
        "response": RESPONSE[disposition],
        "plan": PLAN[disposition].format(destination=destination),
        "impressions": impression,
    }


def medical_content(rng: random.Random, call: Call, disposition: Disposition) -> dict:
    overdose = disposition == D.MEDICAL_TRANSPORT and _has(call, "substance_use", "intoxication")
    vitals = (
        f"Pulse {rng.randint(64, 118)}, BP {rng.randint(108, 156)}/{rng.randint(64, 96)}, "
        f"RR {rng.randint(8, 10) if overdose else rng.randint(12, 22)}, "
        f"SpO2 {rng.randint(86, 91) if overdose else rng.randint(94, 100)}%, "
        f"glucose {rng.randint(78, 160)}"
    )
    if overdose:
        observations = "Drowsy, pinpoint pupils, slow shallow breathing."
        treatment = "Naloxone 4 mg intranasal; responsive within three minutes. Oxygen."
    elif disposition == D.MEDICAL_TRANSPORT:
        observations = "Chest tightness and dizziness; skin pale and clammy."
        treatment = "12-lead ECG on scene; monitored during transport."
    else:
        observations = "No acute medical findings."
        treatment = "None required."
    return {"vitals": vitals, "observations": observations, "treatment": treatment}


def substance_content(rng: random.Random) -> dict:
    return {
        "substances": ["alcohol"] if rng.random() < 0.7 else ["alcohol", "cannabis"],
        "last_use": rng.choice(["This morning", "Last night", "About an hour before the call"]),
        "treatment": "Known to outpatient substance-use treatment; missed recent sessions. "
        "Willing to talk with the program's counsellor.",
    }


@dataclass
class Written:
    """One history encounter and the rows it brings, before they are stored."""

    encounter: Encounter
    sections: list[Section] = field(default_factory=list)
    assessments: list[Assessment] = field(default_factory=list)
    times: dict[int, datetime] = field(default_factory=dict)  # id() of a row → its time

    def section(self, kind: Kind, content: dict, writer: User, *, at, signed_at, revision):
        row = Section(
            encounter=self.encounter,
            kind=kind.value,
            data_class=section_rules.SECTIONS[kind].data_class,
            content=content,
            state=SectionState.SIGNED,
            revision=revision,
            written_by=writer,
            signed_by=writer,
            signed_at=signed_at,
        )
        self.sections.append(row)
        self.times[id(row)] = at

    def assessment(self, instrument: tuple, answers: dict, *, by: User, at) -> instruments.Result:
        """An instrument answered in full, scored as `record_assessment` scores it."""
        stored, parsed = instrument
        if problems := instruments.problems_with(parsed, answers):
            raise DemoRecordError(f"{stored.key}: {problems}")
        result = instruments.score(parsed, answers)
        row = Assessment(
            encounter=self.encounter,
            instrument=stored,
            answers=answers,
            complete=result.complete,
            level=result.level,
            label=result.label,
            by=by,
        )
        self.assessments.append(row)
        self.times[id(row)] = at
        return result


class DemoRecordError(AssertionError):
    """The demo wrote a record the encounter actions would refuse."""


def _check(written: Written, *, statuses: set[str], hold_criteria: dict[str, str]) -> None:
    """The checks the encounter actions make, over rows not yet stored."""
    encounter = written.encounter
    for section in written.sections:
        if problems := section_rules.problems_with(Kind(section.kind), section.content):
            raise DemoRecordError(f"{section.kind}: {problems}")
    safety = next((s.content for s in written.sections if s.kind == Kind.SAFETY), {})
    record = dispositions.Record(
        disposition=encounter.disposition,
        destination=encounter.destination,
        legal_basis=encounter.legal_basis,
        hold_criteria=tuple(encounter.hold_criteria),
        charges=str(safety.get("charges", "")),
        transported=Status.TRANSPORTING in statuses or "transport" in encounter.interventions,
        person_contacted=bool(written.assessments)
        or any(
            s.kind != Kind.SAFETY and not section_rules.is_empty(s.content)
            for s in written.sections
        ),
    )
    if problems := dispositions.problems_with(record, hold_criteria=hold_criteria):
        raise DemoRecordError(f"{encounter.disposition}: {problems}")
    if unknown := set(encounter.interventions) - INTERVENTION_CODES:
        raise DemoRecordError(f"interventions: {unknown}")


def _later(at: datetime, rng: random.Random, low: float, high: float, *, cap: datetime):
    return min(at + timedelta(minutes=rng.uniform(low, high)), cap)


def _history_encounter(
    rng: random.Random,
    call: Call,
    disposition: Disposition,
    *,
    team_id: int,
    times: dict[str, datetime],
    members: dict[str, User],
    instruments_in_use: dict,
    levels: ScreenLevels,
    part2: bool,
    now: datetime,
) -> Written:
    on_scene, end = times[Status.ON_SCENE], times[Status.AVAILABLE]
    officer_done = times.get(Status.OFFICER_CLEARED) or times.get(Status.TRANSPORTING) or end
    officer, clinician, emt = members.get("officer"), members["clinician"], members.get("emt")
    found = disposition != D.UNABLE_TO_LOCATE

    screen = None
    level = ""
    about_suicide = _has(call, *SUICIDE_CONCERNS, "attempt_in_progress")
    low_mood = _has(call, "depression_isolation", "youth_in_crisis", "grief_loss")
    wants_screen = (about_suicide and rng.random() < 0.85) or (low_mood and rng.random() < 0.3)
    if found and (wants_screen or disposition == D.EMERGENCY_HOLD):
        level = levels.next(disposition)
        screen = cssrs_answers(rng, level)
    safety_plan = (
        found
        and level in ("low", "moderate", "high")
        and disposition in (D.RESOLVED_ON_SCENE, D.REFERRED_VOLUNTARY, D.TRANSPORTED_VOLUNTARY)
        and levels.safety_plan()
    )
    with_emt = (
        emt is not None and found and (disposition == D.MEDICAL_TRANSPORT or rng.random() < 0.6)
    )
    interventions = _interventions(rng, call, disposition, safety_plan=safety_plan, emt=with_emt)
    destination = _destination(rng, call, disposition)
    hold = disposition == D.EMERGENCY_HOLD

    encounter = Encounter(
        program_id=call.program_id,
        call=call,
        team_id=team_id,
        state=EncounterState.COMPLETE,
        disposition=disposition.value,
        destination=destination,
        legal_basis=LEGAL_BASIS if hold else "",
        hold_criteria=_hold_criteria(call, level) if hold else [],
        interventions=interventions,
        interventions_note=(
            "Left a card with the crisis line number at the door."
            if disposition == D.UNABLE_TO_LOCATE
            else ""
        ),
        completed_by=clinician,
    )
    written = Written(encounter)
    written.times[id(encounter)] = on_scene

    def section(kind: Kind, content: dict, writer: User, signed_at: datetime) -> None:
        revision = rng.randint(1, 4)  # a few autosaves before signing
        written.section(kind, content, writer, at=on_scene, signed_at=signed_at, revision=revision)

    if officer is not None and _officer_there(call):
        section(
            Kind.SAFETY,
            safety_content(rng, call, disposition),
            officer,
            _later(officer_done, rng, 2, 12, cap=now),
        )
    if not found:
        return _finish(written, rng, end=end, now=now)
    label = ""
    if screen is not None:
        result = written.assessment(
            instruments_in_use["cssrs-screener"],
            screen,
            by=clinician,
            at=_later(on_scene, rng, 4, 15, cap=end),
        )
        if result.level != level:
            raise DemoRecordError(f"C-SSRS {screen} scored {result.level}, not {level}")
        label = result.label
    if safety_plan:
        written.assessment(
            instruments_in_use["stanley-brown-safety-plan"],
            safety_plan_answers(rng),
            by=clinician,
            at=_later(on_scene, rng, 15, 35, cap=end),
        )
    note = clinical_content(
        call, disposition, destination=destination, interventions=interventions, screen_label=label
    )
    section(Kind.CLINICAL, note, clinician, _later(end, rng, 3, 20, cap=now))
    if with_emt:
        medical = medical_content(rng, call, disposition)
        section(Kind.MEDICAL, medical, emt, _later(officer_done, rng, 2, 10, cap=now))
    if part2 and (_has(call, "substance_use", "intoxication") or rng.random() < 0.5):
        substances = substance_content(rng)
        section(Kind.SUBSTANCE_USE, substances, clinician, _later(end, rng, 3, 20, cap=now))
    return _finish(written, rng, end=end, now=now)


def _finish(written: Written, rng: random.Random, *, end: datetime, now: datetime) -> Written:
    """Completed once the last section is signed; each save and step counted in revision."""
    encounter = written.encounter
    last = max([end, *(s.signed_at for s in written.sections)])
    encounter.completed_at = _later(last, rng, 0.5, 5, cap=now)
    encounter.revision = 3 + sum(s.revision for s in written.sections) + len(written.assessments)
    return written


def _part2_persons(program, agency: Agency, at: datetime) -> set:
    """Persons whose Part 2 consent in force names `agency` (the clinicians' agency)."""
    consents = Consent.objects.in_force(at).filter(
        person__program=program, kind=Consent.Kind.PART2, recipient_agencies=agency
    )
    return {
        person_id
        for person_id, classes in consents.values_list("person_id", "data_classes")
        if "sud_part2" in classes
    }


def build_history_encounters(
    program, *, rng: random.Random, planned: dict[object, Disposition], now: datetime
) -> int:
    """Complete, signed encounters for the earlier calls, written as rows at past times."""
    if not planned:
        return 0
    encounters.load_shipped_instruments()
    instruments_in_use = {
        key: (row, row.parsed())
        for key in ("cssrs-screener", "stanley-brown-safety-plan")
        for row in [encounters.instrument_in_use(key)]
    }
    hold_criteria = encounters.hold_criteria_of(program)
    calls = Call.objects.filter(pk__in=list(planned)).order_by("received_at", "reference")
    statuses: dict[object, dict[str, datetime]] = {}
    teams: dict[object, int] = {}
    for call_id, team_id, status, at in StatusEvent.objects.filter(
        call_id__in=list(planned)
    ).values_list("call_id", "team_id", "to_status", "occurred_at"):
        statuses.setdefault(call_id, {})[status] = at
        teams[call_id] = team_id
    members: dict[int, dict[str, User]] = {}
    for member in TeamMember.objects.filter(team__program=program).select_related("user"):
        members.setdefault(member.team_id, {})[member.role] = member.user
    behavioural = Agency.objects.get(program=program, kind=Agency.Kind.BEHAVIORAL_HEALTH)
    part2 = _part2_persons(program, behavioural, now)

    levels = ScreenLevels(rng)
    every: list[Written] = []
    for call in calls:
        written = _history_encounter(
            rng,
            call,
            planned[call.pk],
            team_id=teams[call.pk],
            times=statuses[call.pk],
            members=members[teams[call.pk]],
            instruments_in_use=instruments_in_use,
            levels=levels,
            part2=call.person_id in part2,
            now=now,
        )
        _check(written, statuses=set(statuses[call.pk]), hold_criteria=hold_criteria)
        every.append(written)

    rows = {
        Encounter: [w.encounter for w in every],
        Section: [s for w in every for s in w.sections],
        Assessment: [a for w in every for a in w.assessments],
    }
    times = {key: at for w in every for key, at in w.times.items()}
    for model, objects in rows.items():
        model.objects.bulk_create(objects)
        # Stored rows got today's time; give them back the time they were written.
        for row in objects:
            row.created_at = times[id(row)]
            row.updated_at = (
                getattr(row, "signed_at", None)
                or getattr(row, "completed_at", None)
                or row.created_at
            )
        model.objects.bulk_update(objects, ["created_at", "updated_at"])
    return len(every)


# The last hour ---------------------------------------------------------------------------


def build_live_encounters(program, *, rng: random.Random) -> int:
    """Draft encounters for the calls teams are on now, written by the responders.

    Every team sent opens its encounter; a team on scene has started writing: the
    officer's safety notes, the clinician's first lines and screen, the EMT's vitals.
    """
    started = 0
    live = Team.objects.filter(program=program, call__state=CallState.DISPATCHED).select_related(
        "call", "call__person"
    )
    for team in live.order_by("name"):
        members = {m.role: m.user for m in team.members.select_related("user")}
        clinician = members[MemberRole.CLINICIAN]
        call = team.call
        encounter = encounters.start_encounter(call, acting_user=clinician)
        started += 1
        if team.status not in (Status.ON_SCENE, Status.OFFICER_CLEARED):
            continue
        concern = _leading(call)
        if MemberRole.OFFICER in members:
            encounters.save_section(
                encounter,
                Kind.SAFETY,
                content={
                    "behaviours": _behaviours(call, D.RESOLVED_ON_SCENE),
                    "weapons": "None seen",
                    "narrative": "Arrived with the clinician; person met us at the door. "
                    "Standing by outside the room.",
                },
                acting_user=members[MemberRole.OFFICER],
            )
        encounters.save_section(
            encounter,
            Kind.CLINICAL,
            content={
                "behaviour": BEHAVIOUR[concern],
                "intervention": INTERVENTION_WORDS["de_escalation"],
            },
            acting_user=clinician,
        )
        if _has(call, *SUICIDE_CONCERNS, "depression_isolation"):
            # The screen so far: questions 1 to 3 asked, the rest still to come.
            encounters.record_assessment(
                encounter,
                instrument_key="cssrs-screener",
                answers={"wish_dead": True, "suicidal_thoughts": True, "method": False},
                acting_user=clinician,
            )
        if MemberRole.EMT in members:
            encounters.save_section(
                encounter,
                Kind.MEDICAL,
                content={"vitals": medical_content(rng, call, D.RESOLVED_ON_SCENE)["vitals"]},
                acting_user=members[MemberRole.EMT],
            )
    return started


# Response plans --------------------------------------------------------------------------

PLANS = {
    "suicide": {
        "safety_concerns": "Ask early and calmly about firearm access and anything at hand that "
        "could cause harm; keep the person in sight until the clinician has spoken with them.",
        "triggers": "Anniversaries of a loss in the family; being told to calm down; crowded "
        "rooms.",
        "calming": "Talk outside or on the porch, seated at the same level; a warm drink; ask "
        "about their dog.",
        "baseline": "Works part-time; quiet and polite; keeps outpatient appointments most months.",
        "escalated": "Gives belongings away, stops answering the phone, texts goodbye messages.",
        "strategies": [
            "Screen with the C-SSRS on every contact",
            "Review the Stanley–Brown safety plan with the person and update it",
            "Offer the crisis stabilization unit before the emergency department",
        ],
    },
    "psychosis": {
        "safety_concerns": "No weapons known. May run when several people approach quickly.",
        "triggers": "Uniformed officers approaching first; loud radios; being touched without "
        "warning; talk of hospital early on.",
        "calming": "Clinician speaks first, from a distance, in a quiet voice; explain each step "
        "before doing it; offer a break outside.",
        "baseline": "Lives alone with case-manager support; talks about the neighbours but "
        "manages shopping and appointments.",
        "escalated": "Stops eating, believes food is poisoned, awake at night answering voices.",
        "strategies": [
            "Clinician leads; the officer stays back unless safety requires",
            "Check whether the long-acting injection is overdue (clinic on file)",
            "Offer the crisis stabilization unit before hospital",
        ],
    },
    "substance": {
        "safety_concerns": "Has pushed back physically when several officers approached at "
        "once; no weapons history.",
        "triggers": "Being grabbed or handcuffed; talk of jail; running out of money at month end.",
        "calming": "One responder talks; offer food and water; give real choices (a ride to the "
        "crisis centre, or to a friend's).",
        "baseline": "On sober days friendly, works day labour, stays at the shelter.",
        "escalated": "Drinks from early morning, sleeps outdoors, falls; withdrawal seizures in "
        "the past.",
        "strategies": [
            "EMT checks for withdrawal signs and injuries first",
            "Offer the withdrawal management centre (voluntary) before anything else",
            "Carry naloxone: mixed-substance use reported",
        ],
    },
    "trauma": {
        "safety_concerns": "Startles at sudden movement and loud noise; may freeze or flee. "
        "Firearm kept at a relative's home by agreement.",
        "triggers": "Sirens and lights on arrival; people standing behind them; raised voices.",
        "calming": "Lights and sirens off on approach; stand where the person can see you; "
        "grounding (name five things you can see).",
        "baseline": "Lives with family; volunteers two days a week; sleeps poorly.",
        "escalated": "Paces, checks the windows, does not recognise where they are.",
        "strategies": [
            "Approach in plain view, one responder at a time",
            "Offer a call with a veteran peer mentor",
            "Follow up with the trauma therapy clinic within a week",
        ],
    },
}
PLAN_FOCUS = {
    "suicidal": "suicide",
    "self_harm": "suicide",
    "depression_isolation": "suicide",
    "grief_loss": "suicide",
    "psychosis_disorientation": "psychosis",
    "welfare_check": "psychosis",
    "substance_use": "substance",
    "resources_request": "substance",
    "trauma_ptsd": "trauma",
    "veteran_support": "trauma",
    "anxiety_panic": "trauma",
    "youth_in_crisis": "trauma",
}
BEHAVIOURAL_HEALTH = "Demo County Behavioral Health"
PLAN_CONTACTS = [
    {"name": "Crisis clinician on duty", "role": BEHAVIOURAL_HEALTH, "phone": "555-0142"},
    {"name": "Assigned case manager", "role": BEHAVIOURAL_HEALTH, "phone": "555-0157"},
    {"name": "Family member (number on file)", "role": "Family", "phone": "555-0168"},
]


@dataclass
class Plans:
    approved: int = 0
    expired: int = 0
    drafts: int = 0
    superseded: int = 0


def _plan_in(focus: str, review_by) -> encounters.PlanIn:
    content = PLANS[focus]
    return encounters.PlanIn(
        review_by=review_by,
        safety_concerns=content["safety_concerns"],
        triggers=content["triggers"],
        calming=content["calming"],
        baseline=content["baseline"],
        escalated=content["escalated"],
        strategies=list(content["strategies"]),
        contacts=[dict(c) for c in PLAN_CONTACTS],
    )


def build_demo_plans(program, *, rng: random.Random, now: datetime) -> Plans:
    """Response plans for the four persons called about most.

    The one called about most has an approved plan that replaced an earlier one; the next
    an approved plan; the third a plan approved long ago and now past its review date; the
    fourth a draft waiting for the supervisor. The demo clinician drafts them from the
    person's care team; the supervisor of the behavioural-health agency approves.
    """
    clinician = User.objects.get(agency__program=program, username="clinician")
    supervisor = User.objects.get(agency__program=program, username="supervisor")
    calls_of = Counter(
        Call.objects.filter(program=program, person__isnull=False).values_list(
            "person_id", flat=True
        )
    )
    concerns_of: dict[object, Counter] = {}
    for person_id, concerns in Call.objects.filter(
        program=program, person__isnull=False
    ).values_list("person_id", "concerns"):
        concerns_of.setdefault(person_id, Counter()).update(concerns)
    persons = sorted(
        Person.objects.filter(program=program).prefetch_related("names"),
        key=lambda p: (-calls_of[p.pk], p.names.all()[0].family if p.names.all() else ""),
    )[:4]
    today = timezone.localdate(now)
    plans = Plans()
    for place, person in enumerate(persons):
        on_team = (
            AccessRelation.objects.in_force()
            .filter(person=person, user=clinician, kind=AccessRelation.Kind.CARE_TEAM)
            .exists()
        )
        if not on_team:
            privacy.add_to_care_team(person, member=clinician, acting_user=clinician)
        if calls_of[person.pk] < 2:
            # Fewer calls today than the plan implies: the history is in the record.
            people.add_note(
                person,
                data_class="clinical",
                body="Several crisis contacts with the program over the past year; "
                "a response plan was agreed at the case review.",
                acting_user=clinician,
            )
        leading = next(
            (c for c in LEADING if concerns_of.get(person.pk, Counter())[c]), "depression_isolation"
        )
        focus = PLAN_FOCUS[leading]
        review_by = today + timedelta(days=rng.randint(90, 180))
        if place == 0:
            # An earlier plan, replaced after the last crisis.
            earlier = encounters.save_plan(
                person, _plan_in(focus, review_by), acting_user=clinician
            )
            encounters.approve_plan(earlier, acting_user=supervisor)
            plans.superseded += 1
        plan_in = _plan_in(focus, review_by)
        if place == 0:
            plan_in.strategies.append("Case manager visits within 72 hours of any crisis call")
        plan = encounters.save_plan(person, plan_in, acting_user=clinician)
        if place == 3:
            plans.drafts += 1
            continue
        plan = encounters.approve_plan(plan, acting_user=supervisor)
        if place == 2:
            # Approved half a year ago and never reviewed: the record shows it as expired.
            # Demo data written at a past date, as the calls' history is.
            approved_at = now - timedelta(days=rng.randint(170, 200))
            ResponsePlan.objects.filter(pk=plan.pk).update(
                review_by=today - timedelta(days=rng.randint(5, 20)),
                approved_at=approved_at,
                created_at=approved_at - timedelta(days=2),
            )
            plans.expired += 1
        else:
            plans.approved += 1
    return plans


@dataclass
class DemoEncounters:
    complete: int
    drafts: int
    plans: Plans


def build_demo_encounters(
    program, *, rng: random.Random, planned: dict[object, Disposition], now: datetime
) -> DemoEncounters:
    complete = build_history_encounters(program, rng=rng, planned=planned, now=now)
    drafts = build_live_encounters(program, rng=rng)
    plans = build_demo_plans(program, rng=rng, now=now)
    return DemoEncounters(complete=complete, drafts=drafts, plans=plans)


def describe(program) -> str:
    """One line for the demo command: what the program's records hold."""
    calls = Call.objects.filter(program=program).count()
    by_state = Counter(Encounter.objects.filter(program=program).values_list("state", flat=True))
    today = timezone.localdate()
    plans = ResponsePlan.objects.filter(program=program)
    approved = plans.filter(state=PlanState.APPROVED)
    return (
        f"{calls} calls, {sum(by_state.values())} encounters "
        f"({by_state[EncounterState.COMPLETE]} complete, {by_state[EncounterState.DRAFT]} in "
        f"progress), response plans: {approved.filter(review_by__gte=today).count()} approved, "
        f"{approved.filter(review_by__lt=today).count()} past review, "
        f"{plans.filter(state=PlanState.DRAFT).count()} draft."
    )
