from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from coresponder.core.phone_numbers import PhoneInvalid, normalise_phone
from coresponder.people.forms import warn_on_digits

from . import triage
from .models import (
    CONCERN_WORDS,
    RESPONSE_CHOICES,
    SCREENING_WORDS,
    SOURCE_WORDS,
    CallerRelation,
    CallState,
)

SOURCES_AT_INTAKE = [(s.value, SOURCE_WORDS[s]) for s in triage.Source if s != triage.Source.CAD]


class IntakeForm(forms.Form):
    """The call-taker's form, in the order a call is taken; every control by keyboard."""

    asks_to_confirm = False

    address = forms.CharField(
        label=_("Where"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
        help_text=_("Address or place as the caller says it."),
    )
    latitude = forms.FloatField(
        label=_("Latitude"),
        required=False,
        min_value=-90,
        max_value=90,
        help_text=_("From the 911 location data, if any."),
    )
    longitude = forms.FloatField(
        label=_("Longitude"), required=False, min_value=-180, max_value=180
    )
    source = forms.ChoiceField(
        label=_("Line"),
        choices=SOURCES_AT_INTAKE,
        initial=triage.Source.EMERGENCY_911,
        widget=forms.RadioSelect,
    )
    concerns = forms.MultipleChoiceField(
        label=_("What the caller reports"),
        choices=[(c.value, CONCERN_WORDS[c]) for c in triage.Concern],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    screening = forms.MultipleChoiceField(
        label=_("Safety screening: tick each the caller confirms"),
        choices=[(s.value, SCREENING_WORDS[s]) for s in triage.Screening],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    summary = forms.CharField(
        label=_("What the caller said"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    given = forms.CharField(label=_("Person's given name"), max_length=100, required=False)
    family = forms.CharField(label=_("Person's family name"), max_length=100, required=False)
    # A text box, not the browser's date control: that is three boxes and a Tab more,
    # and its order of day and month changes with the browser's language.
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(
            format="%Y-%m-%d",
            attrs={"placeholder": "YYYY-MM-DD", "inputmode": "numeric", "autocomplete": "off"},
        ),
        help_text=_("Year, month, day: 1990-03-15."),
        error_messages={"invalid": _("Give the date of birth as year-month-day: 1990-03-15.")},
    )
    person = forms.UUIDField(required=False)  # the radio chosen among the candidates
    register_new = forms.BooleanField(
        label=_("None of these: register a new person with the name above"), required=False
    )
    confirm_digits = forms.BooleanField(
        label=_("The digits are truly part of the name"), required=False
    )
    caller_name = forms.CharField(label=_("Caller's name"), max_length=200, required=False)
    caller_phone = forms.CharField(
        label=_("Caller's phone"),
        max_length=40,
        required=False,
        help_text=_("With the area code; an extension after “x”."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    caller_relation = forms.ChoiceField(
        label=_("Caller is"), choices=CallerRelation.choices, initial=CallerRelation.UNKNOWN
    )
    language = forms.CharField(
        label=_("Language needed"),
        max_length=40,
        required=False,
        help_text=_("Leave empty for English."),
    )
    override_response = forms.ChoiceField(
        label=_("Send instead"),
        choices=[("", _("— as triage says —")), *RESPONSE_CHOICES],
        required=False,
    )
    override_priority = forms.TypedChoiceField(
        label=_("Priority instead"),
        choices=[("", _("— as triage says —")), *[(p, str(p)) for p in triage.PRIORITIES]],
        coerce=int,
        empty_value=None,
        required=False,
    )
    override_reason = forms.CharField(label=_("Why you override"), max_length=500, required=False)

    def clean_caller_phone(self):
        try:
            return normalise_phone(self.cleaned_data["caller_phone"])
        except PhoneInvalid as error:
            raise forms.ValidationError(error.message) from None

    def clean(self):
        data = super().clean()
        if data.get("register_new") and not (data.get("given") or data.get("family")):
            self.add_error("given", _("Give the name to register the new person under."))
        if data.get("register_new"):
            # A date of birth typed into the name would be offered as a match ever after.
            warn_on_digits(self, ("given", "family"))
        return data

    def focus_first_error(self) -> str | None:
        """Moves the focus from "Where" to the first box in error, in page order (the
        fields are declared in it), and marks every box in error for assistive
        technology. Done in the page itself, so it needs no script. The name of the
        field given the focus, or None when no box is in error."""
        first = None
        for name in self.fields:
            if name not in self.errors:
                continue
            shown = _SHOWN_AT.get(name, name)
            attrs = self.fields[shown].widget.attrs
            attrs["aria-invalid"] = "true"
            attrs["aria-describedby"] = f"id_{name}_error"
            if first is None:
                first = shown
        if first is not None:
            self.fields["address"].widget.attrs.pop("autofocus", None)
            self.fields[first].widget.attrs["autofocus"] = True
        return first


# A field with no box of its own is pointed to by the box it is chosen from.
_SHOWN_AT = {"person": "given"}


class CallSearchForm(forms.Form):
    """The calls list's search: every box may be left empty; all given must match."""

    number = forms.CharField(label=_("Call number"), max_length=32, required=False)
    address = forms.CharField(label=_("Where"), max_length=300, required=False)
    person = forms.CharField(
        label=_("Person"),
        max_length=200,
        required=False,
        help_text=_("A name, as the person index finds it."),
    )
    concern = forms.ChoiceField(
        label=_("Reported"),
        choices=[("", _("Any concern")), *[(c.value, CONCERN_WORDS[c]) for c in triage.Concern]],
        required=False,
    )
    state = forms.ChoiceField(
        label=_("State"),
        choices=[("", _("Any state")), ("active", _("Open or dispatched")), *CallState.choices],
        required=False,
    )
    received_from = forms.DateField(
        label=_("Received from"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    received_to = forms.DateField(
        label=_("to"),
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text=_("Both days included, on the program's clock."),
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("received_from"), data.get("received_to")
        if start and end and end < start:
            self.add_error(
                "received_to",
                _("The last day, %(end)s, is before the first, %(start)s.")
                % {"end": end.isoformat(), "start": start.isoformat()},
            )
        return data

    @property
    def searching(self) -> bool:
        return any(self.cleaned_data.get(name) for name in self.fields)


class OverrideForm(forms.Form):
    response = forms.ChoiceField(label=_("Response"), choices=RESPONSE_CHOICES)
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=[(p, str(p)) for p in triage.PRIORITIES], coerce=int
    )
    reason = forms.CharField(label=_("Why"), max_length=500)


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Add a note"),
        max_length=2000,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": _("What happened")}),
    )


class CorrectionForm(forms.Form):
    """The call's intake facts to correct, prefilled with what the call holds now; only
    the fields the user may correct are kept (`actions.fields_correctable_by`)."""

    source = forms.ChoiceField(label=_("Line"), choices=list(SOURCE_WORDS.items()))
    concerns = IntakeForm.base_fields["concerns"]
    screening = IntakeForm.base_fields["screening"]
    address = forms.CharField(label=_("Where"), max_length=300, required=False)
    latitude = IntakeForm.base_fields["latitude"]
    longitude = IntakeForm.base_fields["longitude"]
    caller_name = IntakeForm.base_fields["caller_name"]
    caller_phone = IntakeForm.base_fields["caller_phone"]
    caller_relation = IntakeForm.base_fields["caller_relation"]
    language = IntakeForm.base_fields["language"]
    summary = IntakeForm.base_fields["summary"]
    reason = forms.CharField(
        label=_("Why (needed once the call is closed)"), max_length=500, required=False
    )
    keep_override = forms.BooleanField(
        label=_("Keep the triage override"), required=False, initial=True
    )

    def __init__(self, *args, allowed=(), overridden: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in (*allowed, "reason") and not (name == "keep_override" and overridden):
                del self.fields[name]

    def changes(self) -> dict:
        """The facts as typed, each a field the user may correct; the action keeps those
        that differ from the call's."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in ("reason", "keep_override")
        }
