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
)

SOURCES_AT_INTAKE = [(s.value, SOURCE_WORDS[s]) for s in triage.Source if s != triage.Source.CAD]


class IntakeForm(forms.Form):
    asks_to_confirm = False

    """The call-taker's form, in the order a call is taken; every control by keyboard."""

    source = forms.ChoiceField(
        label=_("Line"),
        choices=SOURCES_AT_INTAKE,
        initial=triage.Source.EMERGENCY_911,
        widget=forms.RadioSelect,
    )
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
    given = forms.CharField(label=_("Person's given name"), max_length=100, required=False)
    family = forms.CharField(label=_("Person's family name"), max_length=100, required=False)
    date_of_birth = forms.DateField(
        label=_("Date of birth"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    person = forms.UUIDField(required=False)  # the radio chosen among the candidates
    register_new = forms.BooleanField(
        label=_("None of these: register a new person with the name above"), required=False
    )
    confirm_digits = forms.BooleanField(
        label=_("The digits are truly part of the name"), required=False
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
