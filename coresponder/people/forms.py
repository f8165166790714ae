from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from coresponder.core.languages import NAMES
from coresponder.core.phone_numbers import PhoneInvalid, normalise_phone
from coresponder.privacy.classification import DataClass

from .models import IDENTIFIER_CLASSES, IdentifierSystem, PersonFlag, Sex, VeteranStatus

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
    phone = forms.CharField(
        label=_("Phone"), required=False, max_length=40, help_text=_("e.g. 303-555-0100 x12")
    )
    confirm_digits = forms.BooleanField(
        label=_("The digits are truly part of the name"), required=False
    )

    asks_to_confirm = False

    def clean_phone(self):
        return phone_field(self.cleaned_data["phone"])

    def clean(self):
        data = super().clean()
        warn_on_digits(self, ("given", "family", "alias"))
        if not (data.get("given") or data.get("family")):
            raise forms.ValidationError(_("Give at least a given or a family name."))
        if data.get("identifier_value") and not data.get("identifier_system"):
            self.add_error("identifier_system", _("Say what kind of identifier this is."))
        return data


def phone_field(text: str) -> str:
    """A form's phone, normalised, or the field's error saying what to fix."""
    try:
        return normalise_phone(text)
    except PhoneInvalid as error:
        raise forms.ValidationError(error.message) from None


def warn_on_digits(form: forms.Form, names: tuple[str, ...]) -> None:
    """A name typed with digits in it (a date of birth, a phone) is refused until the
    person typing confirms the digits belong to the name. Names already on the record
    are not asked about again."""
    if form.cleaned_data.get("confirm_digits"):
        return
    for name in names:
        value = form.cleaned_data.get(name) or ""
        if name in form.changed_data and any(c.isdigit() for c in value):
            form.add_error(
                name,
                _(
                    "This name has digits in it. Put a date of birth or a phone number in "
                    "its own field; if the digits are truly part of the name, tick the box "
                    "below to confirm."
                ),
            )
            form.asks_to_confirm = True


class PersonEditForm(forms.Form):
    """A person's record as the editor may correct it: only the classes they may both
    read and write are in the form (`classes`)."""

    CLASS_FIELDS = {
        DataClass.OPERATIONAL: (
            "given",
            "middle",
            "family",
            "preferred_given",
            "preferred_family",
            "aliases",
            "confirm_digits",
            "date_of_birth",
            "birth_date_estimated",
            "sex",
            "gender_identity",
            "pronouns",
            "languages",
            "veteran_status",
            "flags",
        ),
        DataClass.PUBLIC_SAFETY: ("safety_concerns",),
        DataClass.CLINICAL: ("clinical_summary",),
        DataClass.SUD_PART2: ("substance_use_treatment",),
        DataClass.CARE_COORDINATION: ("phone", "email", "follow_up_needs"),
    }
    NAME_FIELDS = ("given", "middle", "family", "preferred_given", "preferred_family", "aliases")

    revision = forms.IntegerField(widget=forms.HiddenInput)
    given = forms.CharField(label=_("Given name"), required=False, max_length=100)
    middle = forms.CharField(label=_("Middle name"), required=False, max_length=100)
    family = forms.CharField(label=_("Family name"), required=False, max_length=100)
    preferred_given = forms.CharField(
        label=_("Preferred given name"), required=False, max_length=100
    )
    preferred_family = forms.CharField(
        label=_("Preferred family name"), required=False, max_length=100
    )
    aliases = forms.CharField(
        label=_("Also known as"),
        required=False,
        max_length=1000,
        help_text=_("One name a line."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confirm_digits = forms.BooleanField(
        label=_("The digits are truly part of the name"), required=False
    )
    date_of_birth = forms.DateField(
        label=_("Date of birth"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    birth_date_estimated = forms.BooleanField(
        label=_("Date of birth is an estimate"), required=False
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    gender_identity = forms.CharField(label=_("Gender identity"), required=False, max_length=80)
    pronouns = forms.CharField(label=_("Pronouns"), required=False, max_length=40)
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=LANGUAGE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    veteran_status = forms.ChoiceField(label=_("Veteran"), choices=VeteranStatus.choices)
    flags = forms.MultipleChoiceField(
        label=_("Flags"),
        choices=PersonFlag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    safety_concerns = forms.CharField(
        label=_("Safety concerns"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    clinical_summary = forms.CharField(
        label=_("Clinical summary"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    substance_use_treatment = forms.CharField(
        label=_("Substance-use treatment"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=40,
        help_text=_("With the area code; an extension after “x”: 303-555-0100 x12."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    email = forms.EmailField(label=_("E-mail"), required=False)
    follow_up_needs = forms.CharField(
        label=_("Follow-up needs"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    remove_identifiers = forms.MultipleChoiceField(
        label=_("Remove identifiers"),
        required=False,
        choices=(),
        widget=forms.CheckboxSelectMultiple,
    )
    identifier_system = forms.ChoiceField(label=_("Add an identifier"), required=False)
    identifier_issuer = forms.CharField(label=_("Issued by"), required=False, max_length=120)
    identifier_value = forms.CharField(label=_("Number"), required=False, max_length=64)

    asks_to_confirm = False

    def __init__(self, *args, classes: set[str], identifiers: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.classes = classes
        kept = {"revision"}
        for data_class, names in self.CLASS_FIELDS.items():
            if data_class in classes:
                kept.update(names)
        systems = [
            (system.value, system.label)
            for system in IdentifierSystem
            if IDENTIFIER_CLASSES[system] in classes
        ]
        removable = [
            (str(i["id"]), f"{i['system_label']} {i['value']} ({i['issuer']})")
            for i in identifiers
            if IDENTIFIER_CLASSES[IdentifierSystem(i["system"])] in classes
        ]
        if systems:
            kept.update({"identifier_system", "identifier_issuer", "identifier_value"})
            self.fields["identifier_system"].choices = [("", "—"), *systems]
        if removable:
            kept.add("remove_identifiers")
            self.fields["remove_identifiers"].choices = removable
        for name in list(self.fields):
            if name not in kept:
                del self.fields[name]

    def fieldsets(self) -> list[tuple[str, list]]:
        """The form's fields by the class of what they hold, in the record's order."""
        sets = []
        for data_class, names in self.CLASS_FIELDS.items():
            if data_class not in self.classes:
                continue
            fields = [self[name] for name in names if name in self.fields]
            if data_class == DataClass.OPERATIONAL and not self.asks_to_confirm:
                fields = [field for field in fields if field.name != "confirm_digits"]
            sets.append((DataClass(data_class).label, fields))
        return sets

    def clean_phone(self):
        # A number kept from before phones were checked is not asked about until changed.
        if "phone" not in self.changed_data:
            return self.initial.get("phone", "")
        return phone_field(self.cleaned_data["phone"])

    def clean(self):
        data = super().clean()
        if "given" in self.fields:
            warn_on_digits(self, self.NAME_FIELDS)
            if not (data.get("given") or data.get("family")):
                self.add_error("family", _("Give at least a given or a family name."))
        if data.get("identifier_value") and not data.get("identifier_system"):
            self.add_error("identifier_system", _("Say what kind of identifier this is."))
        if data.get("identifier_system") and not data.get("identifier_value"):
            self.add_error("identifier_value", _("Give the identifier's number."))
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
