from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from coresponder.core.languages import NAMES
from coresponder.privacy.classification import DataClass

from .models import IdentifierSystem, PersonFlag, Sex, VeteranStatus

LANGUAGE_CHOICES = [
    (code, NAMES[code]) for code in ("en", "es", "vi", "zh", "ar", "ko", "ru", "so", "asl", "other")
]


class SearchForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autofocus": True, "placeholder": _("given or family")}
        ),
    )
    date_of_birth = forms.DateField(
        label=_("Date of birth"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    identifier = forms.CharField(
        label=_("Identifier"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class PersonForm(forms.Form):
    given = forms.CharField(label=_("Given name"), required=False, max_length=100)
    family = forms.CharField(label=_("Family name"), required=False, max_length=100)
    alias = forms.CharField(label=_("Also known as"), required=False, max_length=100)
    date_of_birth = forms.DateField(
        label=_("Date of birth"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    birth_date_estimated = forms.BooleanField(
        label=_("Date of birth is an estimate"), required=False
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, initial=Sex.UNKNOWN)
    gender_identity = forms.CharField(label=_("Gender identity"), required=False, max_length=80)
    pronouns = forms.CharField(label=_("Pronouns"), required=False, max_length=40)
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=LANGUAGE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    veteran_status = forms.ChoiceField(
        label=_("Veteran"), choices=VeteranStatus.choices, initial=VeteranStatus.UNKNOWN
    )
    flags = forms.MultipleChoiceField(
        label=_("Flags"),
        choices=PersonFlag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    identifier_system = forms.ChoiceField(
        label=_("Identifier"), required=False, choices=[("", "—"), *IdentifierSystem.choices]
    )
    identifier_issuer = forms.CharField(label=_("Issued by"), required=False, max_length=120)
    identifier_value = forms.CharField(label=_("Number"), required=False, max_length=64)
    safety_concerns = forms.CharField(
        label=_("Safety concerns"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    phone = forms.CharField(label=_("Phone"), required=False, max_length=32)

    def clean(self):
        data = super().clean()
        if not (data.get("given") or data.get("family")):
            raise forms.ValidationError(_("Give at least a given or a family name."))
        if data.get("identifier_value") and not data.get("identifier_system"):
            self.add_error("identifier_system", _("Say what kind of identifier this is."))
        return data


class NoteForm(forms.Form):
    data_class = forms.ChoiceField(label=_("Kind of information"), choices=())
    body = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000
    )

    def __init__(self, *args, writable: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["data_class"].choices = [
            (value, label) for value, label in DataClass.choices if value in writable
        ]


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is this an emergency?"),
        min_length=10,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
