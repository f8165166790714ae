"""The field view: the responder's phone on scene.

One page per encounter, in the order a responder needs it: the call, its safety
information and the person's response plan, then the encounter — timeline, the sections
the user may read (their own first), the assessment instruments (the C-SSRS first),
interventions and disposition, signing, addenda and completion. Reads go through
`encounters.access` (audited); every write is an action. `field.js` autosaves sections
and answers through the JSON API and keeps unsent drafts on the phone; without it each
form posts here.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from coresponder.calls.access import DESK, RESPONDERS, access_call_by_id, view_calls
from coresponder.calls.models import CallNote
from coresponder.core.access import require_role
from coresponder.core.exceptions import DomainError, NotFound, PermissionDenied
from coresponder.people.access import view_person
from coresponder.privacy.classification import DataClass

from .. import actions, instruments
from ..access import (
    SectionView,
    access_encounter_by_id,
    assessment_in,
    plans_for,
    rights_for,
    view_encounter,
)
from ..answers import HINTS
from ..answers import as_text as _as_text
from ..answers import posted_answers as _posted_answers
from ..answers import shown as _shown
from ..dispositions import TRANSPORTS, Disposition
from ..dispositions import WORDS as DISPOSITION_WORDS
from ..models import Instrument
from ..sections import INTERVENTIONS, SECTIONS, Kind

SCREENER = "cssrs-screener"
CHANNEL = "page:field"
# Dispositions that name where the person went, or the service referred to.
NEEDS_DESTINATION = sorted(TRANSPORTS | {Disposition.REFERRED_VOLUNTARY})
PLAN_LABELS = {
    "safety_concerns": gettext_lazy("Safety concerns"),
    "triggers": gettext_lazy("Triggers to avoid"),
    "calming": gettext_lazy("What calms"),
    "baseline": gettext_lazy("Baseline behaviour"),
    "escalated": gettext_lazy("Escalated behaviour"),
    "strategies": gettext_lazy("Response strategies"),
    "contacts": gettext_lazy("Contacts"),
}


def _words() -> dict[str, str]:
    """What field.js says, translated here so the script needs no catalogue."""
    return {
        "saved": _("Saved"),
        "saving": _("Saving…"),
        "pending": _("Not sent yet"),
        "offline": _("Offline — kept on this phone, will send"),
        "retrying": _("No connection to the server — kept on this phone, will send"),
        "signed_out": _("Signed out — sign in again; your words are kept on this phone"),
        "conflict": _("Conflict — compare the two versions and choose"),
        "failed": _("Not saved"),
        "too_long": _("Not sent: a text is too long — shorten it and it saves"),
        "all_saved": _("All saved"),
        "theirs": _("Saved by a colleague (or your other device)"),
        "yours": _("Yours, not saved"),
        "keep_mine": _("Keep mine"),
        "take_theirs": _("Take theirs"),
        "empty": _("(empty)"),
        "discard": _("Discard my words"),
        "reload_hint": _("Your words are kept on this phone: reload the page to try again."),
        "orphan": _(
            "Words typed on this phone that were never sent, and the section can no longer be "
            "edited. Copy what is still needed into an addendum."
        ),
        "so_far": _("So far"),
        "incomplete": _("Not complete: answer the questions shown."),
        "complete": _("Complete."),
        "send_first": _("Your words are not sent yet: wait until they are saved, then sign."),
        "yes": _("Yes"),
        "no": _("No"),
        "complete_word": _("Complete"),
        "not_complete": _("Not complete"),
        "still_needed": _("Still needed:"),
    }


# Reading -----------------------------------------------------------------------------


@dataclass
class Choice:
    code: str
    label: str
    checked: bool


@dataclass
class FieldRow:
    name: str
    label: str
    type: str
    hint: str
    value: Any
    shown: str  # the value in words, for reading
    choices: list[Choice] = field(default_factory=list)
    theirs: str | None = None  # in a conflict: the colleague's words, when they differ


@dataclass
class SectionPage:
    view: SectionView
    editable: bool
    rows: list[FieldRow]
    content_json: dict  # what is stored: the base autosave and the form start from
    conflict: str = ""
    part2_notice: str = ""
    # The form's id for its save, so a form posted twice is taken once.
    save_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def kind(self) -> str:
        return self.view.kind

    @property
    def base_json(self) -> str:
        return json.dumps(self.content_json, ensure_ascii=False)

    @property
    def content_id(self) -> str:
        return f"content-{self.kind}"

    @property
    def may_sign(self) -> bool:
        return self.editable and self.view.state == "draft"

    @property
    def may_add(self) -> bool:
        return self.view.may_write and self.view.state == "signed"

    @property
    def written(self) -> bool:
        return any(row.shown for row in self.rows)


def _in_words(spec_field, value) -> str:
    labels = dict(spec_field.choices)
    if value in (None, "", []):
        return ""
    if spec_field.type == "choices":
        return ", ".join(labels.get(code, code) for code in value)
    if spec_field.type == "choice":
        return labels.get(value, value)
    if spec_field.type == "yes_no":
        return _("Yes") if value else _("No")
    return str(value)


def _rows(view: SectionView, values: dict, theirs: dict | None, clashes) -> list[FieldRow]:
    rows = []
    for spec_field in view.fields:
        value = values.get(spec_field.name)
        if spec_field.type == "choices":
            chosen = set(value or [])
            choices = [Choice(code, label, code in chosen) for code, label in spec_field.choices]
        elif spec_field.type == "choice":
            choices = [Choice(code, label, code == value) for code, label in spec_field.choices]
        elif spec_field.type == "yes_no":
            choices = [
                Choice("yes", _("Yes"), value is True),
                Choice("no", _("No"), value is False),
            ]
        else:
            choices = []
        their_value = None
        if theirs is not None and spec_field.name in clashes:
            their_value = _in_words(spec_field, theirs.get(spec_field.name)) or _("(empty)")
        rows.append(
            FieldRow(
                name=spec_field.name,
                label=spec_field.label,
                type=spec_field.type,
                hint=spec_field.hint,
                value="" if value is None and spec_field.type in ("text", "line") else value,
                shown=_in_words(spec_field, value),
                choices=choices,
                theirs=their_value,
            )
        )
    return rows


def _section_pages(view, *, draft_encounter: bool, conflict=None) -> list[SectionPage]:
    pages = []
    for section in view.sections:
        new = section.state == "new"
        if new and not section.may_write:
            continue  # nothing written, and not the reader's to write
        if section.content is None and not new:
            continue  # written by someone else, in a class this reader may not read
        stored = dict(section.content or {})
        values, theirs, clashes, message = stored, None, (), ""
        if conflict is not None and conflict["kind"] == section.kind:
            values = {**stored, **conflict["yours"]}
            theirs, clashes, message = stored, conflict["fields"], conflict["message"]
        pages.append(
            SectionPage(
                view=section,
                editable=section.may_write
                and draft_encounter
                and section.state in ("new", "draft"),
                rows=_rows(section, values, theirs, clashes),
                content_json=stored,
                conflict=message,
                part2_notice=view.part2_notice
                if section.data_class == DataClass.SUD_PART2 and section.content
                else "",
            )
        )
    # The reader's own section first.
    return sorted(pages, key=lambda page: not page.view.may_write)


@dataclass
class Question:
    key: str
    number: str
    text: str
    period: str
    answer: str
    asked: bool
    choices: list[Choice]  # yes/no and choice questions
    value: str  # what a typed answer's field holds: the number, the text, one line an item
    shown: Any  # the answer for reading: words, or a list (of items, of contacts)
    hint: str = ""
    field_id: str = ""

    @property
    def answered(self) -> bool:
        return self.shown not in ("", [], None)


def _questions(card_key: str, parsed, answers: dict) -> list[Question]:
    to_ask = {q.key for q in instruments.asked(parsed, answers)}
    questions = []
    for position, q in enumerate(parsed.questions):
        value = answers.get(q.key)
        if q.answer == "yes_no":
            choices = [
                Choice("yes", _("Yes"), value is True),
                Choice("no", _("No"), value is False),
            ]
        else:
            choices = [Choice(c, c, value == c) for c in q.choices]
        questions.append(
            Question(
                key=q.key,
                number=q.number,
                text=q.text,
                period=q.period,
                answer=q.answer,
                asked=q.key in to_ask,
                choices=choices,
                value=_as_text(q.answer, value),
                shown=_shown(q.answer, value),
                hint=str(HINTS.get(q.answer, "")),
                field_id=f"q-{card_key}-{position}",
            )
        )
    return questions


@dataclass
class InstrumentCard:
    """One instrument on the page: its latest answers, and the form for the clinician."""

    instrument: Instrument
    parsed: instruments.Instrument
    latest: Any  # AssessmentView | None
    questions: list[Question]
    may_record: bool
    others: list[Any]  # earlier assessments of the same instrument

    @property
    def key(self) -> str:
        return self.instrument.key

    @property
    def is_screener(self) -> bool:
        return self.key == SCREENER

    @property
    def anchor(self) -> str:
        return _anchor(self.key)

    @property
    def script_id(self) -> str:
        return f"instrument-{self.key}"

    @property
    def result_testid(self) -> str:
        return "cssrs-result" if self.is_screener else f"result-{self.key}"

    @property
    def definition(self) -> dict:
        return self.instrument.definition

    @property
    def has_bands(self) -> bool:
        return bool(self.parsed.bands)

    @property
    def band(self) -> instruments.Band | None:
        level = self.latest.level if self.latest else None
        return next((b for b in self.parsed.bands if b.level == level), None)

    @property
    def still_needed(self) -> list[str]:
        answers = dict(self.latest.answers) if self.latest else {}
        problems = instruments.problems_with(self.parsed, answers)
        return [
            q.number or q.text
            for q in self.parsed.questions
            if problems.get(q.key) == ["Needs an answer."]
        ]

    @property
    def result_label(self) -> str:
        """A risk level where the instrument has bands; complete or not where it has none."""
        if self.latest is None:
            return ""
        if self.has_bands:
            return self.latest.label
        return _("Complete") if self.latest.complete else _("Not complete")

    @property
    def result_line(self) -> str:
        if self.latest is None:
            return ""
        if self.has_bands:
            if self.latest.complete:
                return _("Complete.")
            return _("So far") + " — " + _("Not complete: answer the questions shown.")
        if self.latest.complete:
            return ""
        return _("Still needed:") + " " + ", ".join(self.still_needed)

    @property
    def result_class(self) -> str:
        if self.latest is None:
            return "none"
        if self.has_bands:
            return self.latest.level or "none"
        return "complete" if self.latest.complete else "none"

    @property
    def status(self) -> str:
        """The card's state in a word or two, beside its title."""
        if self.latest is None:
            return _("Not started")
        if self.has_bands and self.latest.label:
            return self.latest.label
        return _("Complete") if self.latest.complete else _("Not complete")

    @property
    def open(self) -> bool:
        """A plan being written stays open; the others are a tap away."""
        return self.may_record and self.latest is not None and not self.latest.complete

    @property
    def earlier(self) -> list[dict]:
        return [
            {
                "label": other.label or (_("Complete") if other.complete else _("Not complete")),
                "by": other.by,
                "at": other.at,
            }
            for other in self.others
        ]


def _anchor(key: str) -> str:
    return "screener" if key == SCREENER else f"assess-{key}"


def _instrument_cards(view, rights, *, draft_encounter: bool) -> list[InstrumentCard]:
    """The C-SSRS first, then every other instrument by title.

    The clinician on the team, while the encounter is a draft, gets every instrument
    offered (the newest active version of each) as a form; a reader of the clinical class
    gets the instruments answered, to read. Officers and EMTs get none: for them the
    view's assessments are None.
    """
    may_record = (
        rights.team_role == "clinician" and rights.writes(DataClass.CLINICAL) and draft_encounter
    )
    answered: dict[str, list] = {}
    for assessment in view.assessments or []:
        answered.setdefault(assessment.instrument, []).append(assessment)
    if not answered and not may_record:
        return []
    wanted = Q(key__in=list(answered))
    if may_record:
        wanted |= Q(is_active=True)
    rows = list(Instrument.objects.filter(wanted).order_by("key", "-version"))
    by_version = {(row.key, row.version): row for row in rows}
    newest: dict[str, Instrument] = {}
    for row in rows:
        if row.is_active:
            newest.setdefault(row.key, row)
    cards = []
    for key in set(answered) | set(newest):
        done = answered.get(key, [])
        latest = done[-1] if done else None
        instrument = by_version.get((key, latest.version)) if latest else newest.get(key)
        if instrument is None:
            continue
        parsed = instrument.parsed()
        cards.append(
            InstrumentCard(
                instrument=instrument,
                parsed=parsed,
                latest=latest,
                questions=_questions(key, parsed, dict(latest.answers) if latest else {}),
                may_record=may_record,
                others=done[:-1],
            )
        )
    return sorted(
        cards, key=lambda card: (not card.is_screener, card.parsed.title.casefold(), card.key)
    )


class DispositionForm(forms.Form):
    disposition = forms.ChoiceField(choices=[(d.value, DISPOSITION_WORDS[d]) for d in Disposition])
    destination = forms.CharField(max_length=200, required=False)
    legal_basis = forms.CharField(max_length=200, required=False)
    hold_criteria = forms.MultipleChoiceField(required=False)
    interventions = forms.MultipleChoiceField(choices=INTERVENTIONS, required=False)
    interventions_note = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, criteria: dict[str, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["hold_criteria"].choices = list(criteria.items())


def _disposition(view, rights, criteria, *, draft_encounter: bool, posted=None, errors=None):
    values = posted or {
        "disposition": view.disposition,
        "destination": view.destination,
        "legal_basis": view.legal_basis,
        "hold_criteria": view.hold_criteria,
        "interventions": view.interventions,
        "interventions_note": view.interventions_note,
    }
    return {
        "may_set": rights.team_role is not None
        and rights.writes(DataClass.OPERATIONAL)
        and draft_encounter,
        "values": values,
        "errors": errors or {},
        "choices": [
            Choice(d.value, DISPOSITION_WORDS[d], d.value == values["disposition"])
            for d in Disposition
        ],
        "criteria": [
            Choice(code, text, code in values["hold_criteria"]) for code, text in criteria.items()
        ],
        "interventions": [
            Choice(code, str(label), code in values["interventions"])
            for code, label in INTERVENTIONS
        ],
        "criteria_words": [criteria.get(c, c) for c in view.hold_criteria],
        "needs_destination": " ".join(NEEDS_DESTINATION),
        # A voluntary referral takes the referral sent on this encounter (as far as the
        # reader may see it) instead of asking for the service again.
        "referrals_made": [
            outcome
            for outcome in view.referrals
            if outcome.kind == "referral" and outcome.state not in ("withdrawn", "declined")
        ],
    }


def _person(user, call, request) -> dict | None:
    """Who the person is and their known safety concerns; nothing clinical on this card."""
    if not call.person_id:
        return None
    try:
        person = view_person(
            user,
            call.person_id,
            channel=CHANNEL,
            request=request,
            classes={DataClass.OPERATIONAL, DataClass.PUBLIC_SAFETY},
        )
    except NotFound:
        return None
    shown = {
        data_class: {name: text for name, _label, text in section.display_fields}
        for data_class, section in person.sections.items()
    }
    operational = shown.get(DataClass.OPERATIONAL, {})
    return {
        "id": person.id,
        "name": person.display_name,
        "facts": [
            operational[name]
            for name in ("pronouns", "languages", "flags")
            if operational.get(name)
        ],
        "safety_concerns": shown.get(DataClass.PUBLIC_SAFETY, {}).get("safety_concerns", ""),
    }


def _plans(user, call, request, rights) -> list[dict]:
    if not call.person_id:
        return []
    shown = []
    plans = plans_for(user, call.person, channel=CHANNEL, request=request, call=call, rights=rights)
    for plan in plans:
        rows = []
        for name, value in plan.content.items():
            if value in ("", [], None):
                continue
            rows.append({"name": name, "label": PLAN_LABELS.get(name, name), "value": value})
        shown.append({"plan": plan, "rows": rows})
    return shown


def _page(
    request: HttpRequest,
    encounter,
    *,
    status: int = 200,
    conflict: dict | None = None,
    disposition_posted: dict | None = None,
    disposition_errors: dict | None = None,
) -> TemplateResponse:
    user = request.user
    call = encounter.call
    rights = rights_for(user, call)
    view = view_encounter(user, encounter, channel=CHANNEL, request=request, rights=rights)
    calls = view_calls(user, [call], channel=CHANNEL, request=request)
    draft = view.state == "draft"
    criteria = actions.hold_criteria_of(encounter.program)
    sections = _section_pages(view, draft_encounter=draft, conflict=conflict)
    context = {
        "view": view,
        "call": calls[0] if calls else None,
        "notes": CallNote.objects.filter(call_id=call.pk).select_related("author") if calls else [],
        "person": _person(user, call, request),
        "plans": _plans(user, call, request, rights),
        "sections": sections,
        "instruments": _instrument_cards(view, rights, draft_encounter=draft),
        "disposition": _disposition(
            view,
            rights,
            criteria,
            draft_encounter=draft,
            posted=disposition_posted,
            errors=disposition_errors,
        ),
        "may_complete": rights.team_role is not None and draft,
        "team_role": rights.team_role,
        "words": _words(),
        "api": reverse("api:get_encounter", args=[view.id]),
    }
    return TemplateResponse(request, "encounters/field.html", context, status=status)


def _encounter_page(view_function):
    """Finds the encounter for the user (404 when not theirs to see) and calls the view."""

    @require_role(*RESPONDERS, *DESK)
    @wraps(view_function)
    def wrapped(request, encounter_id, **kwargs):
        try:
            encounter = access_encounter_by_id(request.user, encounter_id)
            return view_function(request, encounter, **kwargs)
        except NotFound:
            raise Http404 from None

    return wrapped


def _back(encounter, anchor: str = "") -> HttpResponse:
    url = reverse("encounters:field", kwargs={"encounter_id": encounter.pk})
    return redirect(f"{url}#{anchor}" if anchor else url)


def _refused(request, error: DomainError) -> None:
    details = [message for messages_ in error.fields.values() for message in messages_]
    messages.error(request, " ".join([error.message, *details]))


@_encounter_page
def page(request: HttpRequest, encounter) -> TemplateResponse:
    return _page(request, encounter)


@require_role(*RESPONDERS, *DESK)
@require_POST
def start(request: HttpRequest, call_id) -> HttpResponse:
    """Opens the call's encounter record, starting it on first need."""
    try:
        call = access_call_by_id(request.user, call_id)
    except NotFound:
        raise Http404 from None
    try:
        encounter = actions.start_encounter(call, acting_user=request.user, request=request)
    except DomainError as error:
        _refused(request, error)
        return redirect("dispatch:field")
    return _back(encounter)


# Writing (the forms without field.js) ------------------------------------------------


def _kind(kind: str) -> Kind:
    try:
        return Kind(kind)
    except ValueError:
        raise Http404 from None


def _posted_content(spec, post) -> dict:
    content: dict[str, Any] = {}
    for spec_field in spec.fields:
        name = spec_field.name
        if spec_field.type == "choices":
            content[name] = post.getlist(name)
        elif spec_field.type == "yes_no":
            if post.get(name) in ("yes", "no"):
                content[name] = post.get(name) == "yes"
        elif spec_field.type == "choice":
            content[name] = post.get(name, "")
        else:
            content[name] = post.get(name, "").replace("\r\n", "\n")
    return content


def _posted_json(post, name: str) -> dict | None:
    try:
        value = json.loads(post.get(name) or "null")
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


@_encounter_page
@require_POST
def save_section(request: HttpRequest, encounter, kind: str) -> HttpResponse:
    spec = SECTIONS[_kind(kind)]
    content = _posted_content(spec, request.POST)
    try:
        actions.save_section(
            encounter,
            kind,
            content=content,
            base=_posted_json(request.POST, "base"),
            save_id=request.POST.get("save_id", ""),
            acting_user=request.user,
            request=request,
        )
    except actions.EditConflict as conflict:
        return _page(
            request,
            encounter,
            status=409,
            conflict={
                "kind": kind,
                "yours": content,
                "fields": set(conflict.fields),
                "message": conflict.message,
            },
        )
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(request, _("%(section)s saved.") % {"section": spec.title})
    return _back(encounter, f"section-{kind}")


@_encounter_page
@require_POST
def sign(request: HttpRequest, encounter, kind: str) -> HttpResponse:
    spec = SECTIONS[_kind(kind)]
    if request.POST.get("confirm") != "yes":
        # Signed words never change: the page asks first, with a button of its own.
        messages.error(
            request,
            _("Signing asks to be confirmed: open “Sign the %(section)s” and press “Yes”.")
            % {"section": spec.title.lower()},
        )
        return _back(encounter, f"section-{kind}")
    try:
        actions.sign_section(encounter, kind, acting_user=request.user, request=request)
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(
            request, _("%(section)s signed. Later changes are addenda.") % {"section": spec.title}
        )
    return _back(encounter, f"section-{kind}")


@_encounter_page
@require_POST
def addendum(request: HttpRequest, encounter, kind: str) -> HttpResponse:
    _kind(kind)
    try:
        actions.add_addendum(
            encounter,
            kind,
            text=request.POST.get("text", ""),
            acting_user=request.user,
            request=request,
        )
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Addendum added."))
    return _back(encounter, f"section-{kind}")


@_encounter_page
@require_POST
def assess(request: HttpRequest, encounter) -> HttpResponse:
    key = request.POST.get("instrument") or SCREENER
    try:
        assessment = (
            assessment_in(encounter, request.POST["assessment"])
            if request.POST.get("assessment")
            else None
        )
        instrument = assessment.instrument if assessment else actions.instrument_in_use(key)
        key = instrument.key
        actions.record_assessment(
            encounter,
            instrument_key=instrument.key,
            answers=_posted_answers(instrument.parsed(), request.POST),
            assessment=assessment,
            acting_user=request.user,
            request=request,
        )
    except NotFound:
        raise
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(request, _("%(title)s: answers saved.") % {"title": instrument.title})
    return _back(encounter, _anchor(key))


@_encounter_page
@require_POST
def disposition(request: HttpRequest, encounter) -> HttpResponse:
    criteria = actions.hold_criteria_of(encounter.program)
    form = DispositionForm(request.POST, criteria=criteria)
    posted = {
        "disposition": request.POST.get("disposition", ""),
        "destination": request.POST.get("destination", ""),
        "legal_basis": request.POST.get("legal_basis", ""),
        "hold_criteria": request.POST.getlist("hold_criteria"),
        "interventions": request.POST.getlist("interventions"),
        "interventions_note": request.POST.get("interventions_note", ""),
    }
    if not form.is_valid():
        errors = {name: list(problems) for name, problems in form.errors.items()}
        return _page(
            request, encounter, status=400, disposition_posted=posted, disposition_errors=errors
        )
    try:
        actions.set_disposition(
            encounter,
            actions.DispositionIn(**form.cleaned_data),
            acting_user=request.user,
            request=request,
        )
    except PermissionDenied as error:
        _refused(request, error)
    except DomainError as error:
        return _page(
            request,
            encounter,
            status=400,
            disposition_posted=posted,
            disposition_errors={"general": [error.message], **error.fields},
        )
    else:
        messages.success(request, _("Disposition saved."))
    return _back(encounter, "disposition")


@_encounter_page
@require_POST
def complete(request: HttpRequest, encounter) -> HttpResponse:
    try:
        actions.complete_encounter(encounter, acting_user=request.user, request=request)
    except DomainError as error:
        _refused(request, error)
        return _back(encounter, "complete")
    messages.success(request, _("Encounter complete. Later words are addenda to a section."))
    return _back(encounter)
