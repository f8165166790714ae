"""The field view's page: what each role on the call gets in the HTML (and what it must
not), and each form posted without the page's script, through the real actions."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from freezegun import freeze_time

from coresponder.accounts.models import Role
from coresponder.core.models import AuditEntry
from coresponder.encounters import actions, events
from coresponder.encounters.models import Addendum, Assessment, Encounter, Instrument, Section
from coresponder.encounters.tests.fixtures import part2_consent

pytestmark = pytest.mark.django_db

SAFETY = "Kitchen knife secured by the officer"
CLINICAL = "Hears voices telling him he is worthless"
MEDICAL = "Pulse 118, abrasions to both forearms"
SUBSTANCE = "Daily opioid use for two years"
PLAN_SAFETY = "Keeps a kitchen knife in his jacket when scared"
PLAN_BASELINE = "Quiet, paces the porch and hums"
SCREENER_QUESTION = "wished you were dead"
WARNING_SIGN = "Stops answering his sister's calls"
SAFETY_PLAN = "stanley-brown-safety-plan"


def page_url(scene, tail: str = "") -> str:
    return f"/encounters/{scene.encounter.pk}/field/{tail}"


def html_for(client, sign_in, user, scene) -> str:
    client.logout()
    sign_in(user)
    response = client.get(page_url(scene))
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def approve_plan(scene, make_user, *, review_in_days: int = 90):
    plan = actions.save_plan(
        scene.person,
        actions.PlanIn(
            review_by=timezone.localdate() + timedelta(days=review_in_days),
            safety_concerns=PLAN_SAFETY,
            baseline=PLAN_BASELINE,
        ),
        acting_user=scene.clinician,
    )
    return actions.approve_plan(plan, acting_user=make_user(Role.SUPERVISOR))


@pytest.fixture
def written(on_scene, make_user):
    """Each responder's section written, a screen answered, a safety plan begun, a response
    plan approved."""
    scene = on_scene()
    encounter = scene.encounter
    actions.save_section(
        encounter, "safety", content={"weapons": SAFETY}, acting_user=scene.officer
    )
    actions.save_section(
        encounter, "clinical", content={"behaviour": CLINICAL}, acting_user=scene.clinician
    )
    actions.save_section(encounter, "medical", content={"vitals": MEDICAL}, acting_user=scene.emt)
    actions.record_assessment(
        encounter,
        instrument_key="cssrs-screener",
        answers={"wish_dead": True, "suicidal_thoughts": True, "method": True},
        acting_user=scene.clinician,
    )
    actions.record_assessment(
        encounter,
        instrument_key=SAFETY_PLAN,
        answers={"warning_signs": [WARNING_SIGN]},
        acting_user=scene.clinician,
    )
    part2_consent(scene)
    actions.save_section(
        encounter, "substance_use", content={"last_use": SUBSTANCE}, acting_user=scene.clinician
    )
    approve_plan(scene, make_user)
    return scene


# What each role gets -----------------------------------------------------------------


def test_the_clinician_gets_the_call_the_whole_plan_their_note_first_and_the_screener(
    client, sign_in, written
):
    html = html_for(client, sign_in, written.clinician, written)
    # the call, its safety facts and the plan come before the encounter
    order = [
        'data-testid="field-call"',
        'data-testid="field-safety"',
        'data-testid="field-plan"',
        'id="encounter"',
        'data-testid="section-clinical"',
    ]
    places = [html.index(marker) for marker in order]
    assert places == sorted(places)
    # their own sections first, as forms; the officer's safety section to read
    assert html.index('data-section="clinical"') < html.index('data-testid="section-safety"')
    assert 'data-section="substance_use"' in html
    assert 'data-section="safety"' not in html
    for words in (CLINICAL, SUBSTANCE, SAFETY, PLAN_SAFETY, PLAN_BASELINE, SCREENER_QUESTION):
        assert words in html, words
    assert "42 CFR part 2" in html
    # the screener, with its instrument for the skip logic and the level the server gave
    assert 'id="instrument-cssrs-screener"' in html
    assert "Moderate risk" in html
    # then the safety plan, begun: its own card, its definition, its answers in the form
    assert html.index('data-testid="screener"') < html.index(
        f'data-testid="instrument-{SAFETY_PLAN}"'
    )
    assert f'<script id="instrument-{SAFETY_PLAN}"' in html
    assert WARNING_SIGN.replace("'", "&#x27;") in html
    assert 'data-testid="save-disposition"' in html
    # the EMT's medical section is clinical: the clinician reads it, does not write it
    assert MEDICAL in html
    assert 'data-section="medical"' not in html


def test_the_officer_gets_the_safety_part_and_the_plan_summary_and_nothing_clinical(
    client, sign_in, written
):
    html = html_for(client, sign_in, written.officer, written)
    assert 'data-section="safety"' in html
    assert SAFETY in html
    assert PLAN_SAFETY in html
    assert "Response plan: safety summary" in html
    assert 'data-testid="save-disposition"' in html
    for clinical in (
        CLINICAL,
        SUBSTANCE,
        MEDICAL,
        PLAN_BASELINE,
        SCREENER_QUESTION,
        "Moderate risk",
        "cssrs",
        "Clinical note",
        "42 CFR",
        # no instrument at all: not the safety plan, its words, or an empty form
        "Stanley",
        "Safety Plan",
        SAFETY_PLAN,
        "Warning signs",
        WARNING_SIGN.replace("'", "&#x27;"),
        "data-instrument",
        '<script id="instrument-',
        "fv-instrument",
    ):
        assert clinical not in html, clinical


def test_the_emt_writes_the_medical_section_and_reads_no_clinical_note(client, sign_in, written):
    html = html_for(client, sign_in, written.emt, written)
    assert 'data-section="medical"' in html
    assert MEDICAL in html
    assert SAFETY in html  # those on the call know of the knife
    for clinical in (
        CLINICAL,
        SUBSTANCE,
        PLAN_BASELINE,
        SCREENER_QUESTION,
        "Moderate risk",
        "Stanley",
        "Warning signs",
        "data-instrument",
        "fv-instrument",
    ):
        assert clinical not in html, clinical


def test_an_officer_not_on_the_call_reads_what_the_policy_gives_and_writes_nothing(
    client, sign_in, written, make_team
):
    elsewhere = make_team("Elsewhere")
    html = html_for(client, sign_in, elsewhere.officer, written)
    assert SAFETY in html  # public safety: law enforcement reads it by role
    for clinical in (CLINICAL, SUBSTANCE, MEDICAL, PLAN_BASELINE, "Moderate risk"):
        assert clinical not in html, clinical
    assert "data-section=" not in html
    assert 'data-testid="save-disposition"' not in html
    assert 'data-testid="complete"' not in html


def test_another_program_and_a_bad_id_find_nothing(client, sign_in, written, stranger):
    sign_in(stranger)
    assert client.get(page_url(written)).status_code == 404
    assert client.post(page_url(written, "complete/")).status_code == 404
    assert client.get("/encounters/not-a-uuid/field/").status_code == 404
    assert Encounter.objects.get(pk=written.encounter.pk).state == "draft"


def test_showing_the_page_is_audited_as_a_field_view(client, sign_in, written):
    html_for(client, sign_in, written.officer, written)
    (entry,) = AuditEntry.objects.filter(
        action=events.ENCOUNTER_VIEWED, actor_username=written.officer.username
    )
    assert entry.detail["channel"] == "page:field"
    assert "encounter:clinical" not in entry.fields
    assert "encounter:public_safety" in entry.fields


def test_an_expired_plan_is_flagged(client, sign_in, on_scene, make_user):
    scene = on_scene()
    approve_plan(scene, make_user, review_in_days=1)
    with freeze_time(timezone.now() + timedelta(days=3)):
        html = html_for(client, sign_in, scene.officer, scene)
    assert 'data-testid="plan-expired"' in html
    assert PLAN_SAFETY in html


def test_the_dispatch_field_page_opens_the_encounter_record(client, sign_in, on_scene):
    # given a team on a call, without an encounter yet
    scene = on_scene()
    call = scene.call
    Encounter.objects.filter(pk=scene.encounter.pk).delete()
    sign_in(scene.officer)
    page = client.get("/dispatch/field/").content.decode()
    start = f"/encounters/calls/{call.pk}/field/"
    assert f'action="{start}"' in page
    # when the officer opens the record (a GET changes nothing)
    assert client.get(start).status_code == 405
    response = client.post(start)
    # then it is started and shown
    encounter = Encounter.objects.get(call=call)
    assert response.status_code == 302
    assert response["Location"] == f"/encounters/{encounter.pk}/field/"
    assert client.post(start)["Location"] == response["Location"]
    assert Encounter.objects.filter(call=call).count() == 1


# The forms, without the page's script ---------------------------------------------------


def post_section(client, scene, kind: str, data: dict, *, base: dict | None, save_id: str = ""):
    return client.post(
        page_url(scene, f"sections/{kind}/"),
        {**data, "base": json.dumps(base) if base is not None else "", "save_id": save_id},
    )


def test_a_section_posted_is_saved_through_the_action_and_a_repost_is_taken_once(
    client, sign_in, on_scene
):
    scene = on_scene()
    sign_in(scene.clinician)
    data = {"behaviour": "Calm,\r\nsitting on the steps", "plan": "Clinic at 9"}
    for _ in range(2):
        response = post_section(client, scene, "clinical", data, base={}, save_id="form-1")
        assert response.status_code == 302
        assert response["Location"] == page_url(scene) + "#section-clinical"
    section = Section.objects.get(encounter=scene.encounter, kind="clinical")
    assert section.content == {
        "behaviour": "Calm,\nsitting on the steps",
        "intervention": "",
        "response": "",
        "plan": "Clinic at 9",
        "impressions": "",
    }
    assert section.revision == 1
    assert AuditEntry.objects.filter(action=events.SECTION_SAVED).count() == 1


def test_the_officer_s_choices_are_posted_as_the_section_s_choices(client, sign_in, on_scene):
    scene = on_scene()
    sign_in(scene.officer)
    data = {"behaviours": ["agitated", "withdrawn"], "force": "none", "weapons": SAFETY}
    post_section(client, scene, "safety", data, base={})
    content = Section.objects.get(encounter=scene.encounter, kind="safety").content
    assert (content["behaviours"], content["force"], content["weapons"]) == (
        ["agitated", "withdrawn"],
        "none",
        SAFETY,
    )


def test_a_form_conflicting_with_a_newer_save_shows_both_and_overwrites_nothing(
    client, sign_in, on_scene
):
    # given the page opened on an empty note, then the note saved from another device
    scene = on_scene()
    actions.save_section(
        scene.encounter,
        "clinical",
        content={"behaviour": "Tearful at the door"},
        base={},
        acting_user=scene.clinician,
    )
    sign_in(scene.clinician)
    # when the form opened before is posted
    response = post_section(
        client, scene, "clinical", {"behaviour": "Calm on the steps"}, base={}, save_id="f"
    )
    # then both versions are on the page and the stored words stay
    assert response.status_code == 409
    html = response.content.decode()
    assert "Tearful at the door" in html
    assert "Calm on the steps" in html
    assert 'data-testid="conflict-clinical"' in html
    section = Section.objects.get(encounter=scene.encounter, kind="clinical")
    assert section.content == {"behaviour": "Tearful at the door"}
    # and the form, sent again from that page, keeps the user's words knowingly
    kept = post_section(
        client, scene, "clinical", {"behaviour": "Calm on the steps"}, base=dict(section.content)
    )
    assert kept.status_code == 302
    section.refresh_from_db()
    assert section.content["behaviour"] == "Calm on the steps"


def test_a_section_the_user_does_not_write_is_refused_and_unchanged(client, sign_in, on_scene):
    scene = on_scene()
    sign_in(scene.officer)
    response = post_section(client, scene, "clinical", {"behaviour": "Officer's words"}, base={})
    assert response.status_code == 302
    assert not Section.objects.filter(encounter=scene.encounter, kind="clinical").exists()
    page = client.get(response["Location"]).content.decode()
    assert "written by the team&#x27;s clinician" in page


def test_signing_asks_once_and_a_sign_posted_without_it_is_refused(client, sign_in, on_scene):
    # given the clinician's note written
    scene = on_scene()
    actions.save_section(
        scene.encounter, "clinical", content={"behaviour": CLINICAL}, acting_user=scene.clinician
    )
    sign_in(scene.clinician)

    # when the page is opened, signing is a question before it is a button
    html = client.get(page_url(scene)).content.decode()
    step = html.split('data-testid="sign-step-clinical"', 1)[1].split("</details>", 1)[0]
    assert "<summary" in step
    assert "Sign the clinical note…" in step
    assert "cannot change once signed" in step
    assert 'name="confirm" value="yes"' in step
    assert "Yes, sign the clinical note" in step

    # when a signing is posted without its confirmation
    refused = client.post(page_url(scene, "sections/clinical/sign/"), follow=True)

    # then it is refused, saying why, and the note is not signed
    assert "Signing asks to be confirmed" in refused.content.decode()
    assert not Section.objects.get(encounter=scene.encounter, kind="clinical").is_signed
    assert not AuditEntry.objects.filter(action=events.SECTION_SIGNED).exists()


def test_signing_then_an_addendum_with_author_and_time(client, sign_in, on_scene):
    scene = on_scene()
    actions.save_section(
        scene.encounter, "clinical", content={"behaviour": CLINICAL}, acting_user=scene.clinician
    )
    sign_in(scene.clinician)
    assert (
        client.post(page_url(scene, "sections/clinical/sign/"), {"confirm": "yes"}).status_code
        == 302
    )
    section = Section.objects.get(encounter=scene.encounter, kind="clinical")
    assert section.is_signed
    html = client.get(page_url(scene)).content.decode()
    assert 'data-section="clinical"' not in html  # no longer a form
    assert 'data-testid="signed-clinical"' in html
    # an addendum, beside the signed words
    client.post(page_url(scene, "sections/clinical/addenda/"), {"text": "Sister arrived 22:40"})
    (addendum,) = Addendum.objects.filter(section=section)
    assert addendum.author == scene.clinician
    html = client.get(page_url(scene)).content.decode()
    assert "Sister arrived 22:40" in html
    assert f"{scene.clinician} · " in html
    # on the program's clock, as every time on the page
    written = timezone.localtime(addendum.written_at, scene.call.program.zone)
    assert written.strftime("%H:%M") in html
    section.refresh_from_db()
    assert section.content == {"behaviour": CLINICAL}


def test_the_screener_posted_keeps_only_the_questions_asked_and_shows_the_level(
    client, sign_in, on_scene
):
    scene = on_scene()
    sign_in(scene.clinician)
    answers = {
        "wish_dead": "yes",
        "suicidal_thoughts": "yes",
        "method": "yes",
        "intent": "no",
        "plan": "no",
        "behavior": "no",
        "behavior_recent": "yes",  # not asked after a no to 6: dropped
    }
    response = client.post(page_url(scene, "screener/"), answers)
    assert response.status_code == 302
    (assessment,) = Assessment.objects.filter(encounter=scene.encounter)
    assert (assessment.level, assessment.complete) == ("moderate", True)
    assert "behavior_recent" not in assessment.answers
    assert "Moderate risk" in client.get(page_url(scene)).content.decode()
    # changed on the same assessment
    client.post(
        page_url(scene, "screener/"), {**answers, "intent": "yes", "assessment": assessment.pk}
    )
    assessment.refresh_from_db()
    assert (assessment.level, Assessment.objects.count()) == ("high", 1)


def test_the_safety_plan_posted_without_the_script_keeps_lists_and_contacts(
    client, sign_in, on_scene
):
    # given the clinician on scene, the safety plan begun with its warning signs only
    scene = on_scene()
    sign_in(scene.clinician)
    card = f'data-testid="status-{SAFETY_PLAN}">'
    assert f"{card}Not started<" in client.get(page_url(scene)).content.decode()
    begun = client.post(
        page_url(scene, "screener/"),
        {
            "instrument": SAFETY_PLAN,
            "warning_signs": "Stops eating\r\n\r\n  Gives away tools  \r\n",
        },
    )
    assert begun.status_code == 302
    assert begun["Location"] == page_url(scene) + f"#assess-{SAFETY_PLAN}"
    (assessment,) = Assessment.objects.filter(encounter=scene.encounter)
    assert assessment.answers == {"warning_signs": ["Stops eating", "Gives away tools"]}
    assert (assessment.complete, assessment.level, assessment.label) == (False, "", "")
    html = client.get(page_url(scene)).content.decode()
    assert f"{card}Not complete<" in html
    assert "Still needed: 2, 5, 6" in html
    # when the rest is posted on the same assessment, contacts one a line
    client.post(
        page_url(scene, "screener/"),
        {
            "instrument": SAFETY_PLAN,
            "assessment": assessment.pk,
            "warning_signs": "Stops eating\r\nGives away tools",
            "internal_coping": "Walk the dog",
            "distraction": "",
            "help_people": "Sister \u2014 555-0142\r\n"
            "Pastor at the church - 555 0199\r\nNext-door neighbour",
            "professionals": "988 Suicide & Crisis Lifeline \u2014 988\r\n"
            "Riverside clinic \u2013 (555) 010-2000",
            "safe_environment": "His brother keeps the rifle",
            "worth_living_for": "My daughter",
        },
    )
    # then it is stored as lists and contacts, complete, with no level
    assessment.refresh_from_db()
    assert assessment.answers == {
        "warning_signs": ["Stops eating", "Gives away tools"],
        "internal_coping": ["Walk the dog"],
        "help_people": [
            {"name": "Sister", "phone": "555-0142"},
            {"name": "Pastor at the church", "phone": "555 0199"},
            {"name": "Next-door neighbour", "phone": ""},
        ],
        "professionals": [
            {"name": "988 Suicide & Crisis Lifeline", "phone": "988"},
            {"name": "Riverside clinic", "phone": "(555) 010-2000"},
        ],
        "safe_environment": ["His brother keeps the rifle"],
        "worth_living_for": "My daughter",
    }
    assert (assessment.complete, assessment.level, Assessment.objects.count()) == (True, "", 1)
    html = client.get(page_url(scene)).content.decode()
    assert f"{card}Complete<" in html
    assert "Still needed: " not in html
    # and the form shows the contacts as they are typed
    assert (
        "Sister \u2014 555-0142\nPastor at the church \u2014 555 0199\n"
        "Next-door neighbour</textarea>" in html
    )


AGITATION = {
    "key": "agitation-check",
    "version": 1,
    "title": "Agitation check",
    "questions": [
        {
            "key": "presents",
            "text": "How does the person present?",
            "answer": "choice",
            "choices": ["Calm", "Restless", "Aggressive"],
        },
        {
            "key": "score",
            "text": "Agitation score, 0 to 10",
            "answer": "number",
            "required": True,
            "ask_if": {"any": [{"equals": {"question": "presents", "value": "Restless"}}]},
        },
    ],
    "bands": [
        {
            "level": "high",
            "label": "Severe agitation",
            "when": {"equals": {"question": "score", "value": 10}},
            "says": "Agitation at its worst.",
            "action": "Keep distance; call for medical help.",
        },
        {
            "level": "moderate",
            "label": "Some agitation",
            "when": {"equals": {"question": "presents", "value": "Restless"}},
            "says": "Restless.",
        },
        {"level": "none", "label": "Calm", "when": {}, "says": "No agitation seen."},
    ],
}


def test_an_instrument_an_administrator_added_is_offered_and_answered(
    client, sign_in, on_scene, admin_user
):
    # given an instrument an administrator added
    actions.add_instrument(AGITATION, acting_user=admin_user)
    scene = on_scene()
    sign_in(scene.clinician)
    # when the clinician opens the page
    html = client.get(page_url(scene)).content.decode()
    # then it is there after the C-SSRS and before the safety plan (by title), as a form
    order = [
        'data-testid="screener"',
        'data-testid="instrument-agitation-check"',
        f'data-testid="instrument-{SAFETY_PLAN}"',
    ]
    places = [html.index(marker) for marker in order]
    assert places == sorted(places)
    assert 'id="instrument-agitation-check"' in html  # its definition, for the skip logic
    assert 'name="presents" value="Restless"' in html
    assert 'inputmode="numeric" id="q-agitation-check-1" name="score"' in html
    # when it is answered through the form: the number taken as a number
    response = client.post(
        page_url(scene, "screener/"),
        {"instrument": "agitation-check", "presents": "Restless", "score": "10"},
    )
    assert response["Location"] == page_url(scene) + "#assess-agitation-check"
    (assessment,) = Assessment.objects.filter(encounter=scene.encounter)
    assert assessment.answers == {"presents": "Restless", "score": 10}
    assert (assessment.level, assessment.label, assessment.complete) == (
        "high",
        "Severe agitation",
        True,
    )
    html = client.get(page_url(scene)).content.decode()
    assert 'data-testid="status-agitation-check">Severe agitation<' in html
    assert "Keep distance; call for medical help." in html
    # and a word where the number goes is refused by the question, nothing changed
    client.post(
        page_url(scene, "screener/"),
        {
            "instrument": "agitation-check",
            "assessment": assessment.pk,
            "presents": "Restless",
            "score": "ten",
        },
    )
    assessment.refresh_from_db()
    assert assessment.answers == {"presents": "Restless", "score": 10}
    assert "Give a number." in client.get(page_url(scene)).content.decode()


def test_a_retired_instrument_is_not_offered(client, sign_in, on_scene, admin_user):
    # given an instrument added, then retired
    actions.add_instrument(AGITATION, acting_user=admin_user)
    Instrument.objects.filter(key="agitation-check").update(is_active=False)
    scene = on_scene()
    sign_in(scene.clinician)
    # then the page does not offer it, and it cannot be answered
    html = client.get(page_url(scene)).content.decode()
    assert f'data-testid="instrument-{SAFETY_PLAN}"' in html
    for retired in ("Agitation check", "agitation-check", "How does the person present?"):
        assert retired not in html, retired
    client.post(page_url(scene, "screener/"), {"instrument": "agitation-check", "presents": "Calm"})
    assert not Assessment.objects.filter(encounter=scene.encounter).exists()


def test_a_reader_of_clinical_words_sees_the_answered_instruments_only_to_read(
    client, sign_in, written, make_user
):
    html = html_for(client, sign_in, make_user(Role.SUPERVISOR), written)
    assert f'data-testid="answers-{SAFETY_PLAN}"' in html
    assert "<li>" + WARNING_SIGN.replace("'", "&#x27;") + "</li>" in html
    assert "Moderate risk" in html
    assert "data-instrument=" not in html  # no form
    assert '<script id="instrument-' not in html
    assert 'data-testid="instrument-agitation-check"' not in html


def test_a_disposition_the_record_refuses_comes_back_with_the_reason_and_nothing_saved(
    client, sign_in, on_scene
):
    scene = on_scene()
    sign_in(scene.clinician)
    response = client.post(
        page_url(scene, "disposition/"),
        {"disposition": "emergency_hold", "destination": "County crisis unit"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "needs its legal basis" in html
    assert "Tick the hold criteria" in html
    assert 'value="County crisis unit"' in html  # what was typed stays in the form
    encounter = Encounter.objects.get(pk=scene.encounter.pk)
    assert encounter.disposition == ""
    assert not AuditEntry.objects.filter(action=events.DISPOSITION_SET).exists()


def test_the_record_is_completed_once_signed_and_disposed(client, sign_in, on_scene):
    scene = on_scene(emt=False)
    actions.save_section(
        scene.encounter, "clinical", content={"behaviour": CLINICAL}, acting_user=scene.clinician
    )
    sign_in(scene.clinician)
    # refused while the note is unsigned and there is no disposition
    refused = client.post(page_url(scene, "complete/"))
    page = client.get(refused["Location"]).content.decode()
    assert "Choose the disposition before completing." in page
    assert "The clinical note section is not signed." in page
    assert Encounter.objects.get(pk=scene.encounter.pk).state == "draft"
    # then signed, disposed and completed
    client.post(page_url(scene, "sections/clinical/sign/"), {"confirm": "yes"})
    saved = client.post(
        page_url(scene, "disposition/"),
        {
            "disposition": "resolved_on_scene",
            "interventions": ["de_escalation", "resource_information"],
        },
    )
    assert saved.status_code == 302
    assert client.post(page_url(scene, "complete/")).status_code == 302
    encounter = Encounter.objects.get(pk=scene.encounter.pk)
    assert (encounter.state, encounter.disposition) == ("complete", "resolved_on_scene")
    html = client.get(page_url(scene)).content.decode()
    assert 'data-testid="completed"' in html
    assert 'data-testid="save-disposition"' not in html
    assert "Resolved on scene" in html


def test_the_call_page_leads_its_responders_to_the_encounter_record(client, sign_in, on_scene):
    scene = on_scene()
    sign_in(scene.officer)
    page = client.get(f"/calls/{scene.call.pk}/").content.decode()
    assert f'href="/encounters/{scene.encounter.pk}/field/"' in page
