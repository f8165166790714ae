from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from coresponder.accounts.models import Agency, AgencyKind

from .classification import DataClass
from .documents import document_suffix, read_head
from .models import BreakGlassGrant, Consent


class ConsentForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of consent"),
        choices=Consent.Kind.choices,
        widget=forms.RadioSelect,
        initial=Consent.Kind.GENERAL,
    )
    data_classes = forms.MultipleChoiceField(
        label=_("Information shared"),
        choices=DataClass.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    recipient_agencies = forms.ModelMultipleChoiceField(
        label=_("Shared with these agencies"),
        queryset=Agency.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    recipient_agency_kinds = forms.MultipleChoiceField(
        label=_("…or with every agency of these kinds (not for Part 2)"),
        choices=AgencyKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Consent.Purpose.choices)
    purpose_detail = forms.CharField(
        label=_("Purpose, in the person's words"), required=False, max_length=300
    )
    starts_on = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(
        label=_("Until (required for Part 2)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    given_by = forms.ChoiceField(
        label=_("Given by"), choices=Consent.GivenBy.choices, initial=Consent.GivenBy.PERSON
    )
    representative_name = forms.CharField(
        label=_("Representative's name"), required=False, max_length=200
    )
    representative_authority = forms.CharField(
        label=_("Representative's authority"), required=False, max_length=200
    )
    form_kind = forms.ChoiceField(label=_("How it was given"), choices=Consent.FormKind.choices)
    form_document = forms.FileField(label=_("Signed document (PDF or image)"), required=False)

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipient_agencies"].queryset = Agency.objects.filter(program=program)

    def clean_form_document(self):
        document = self.cleaned_data.get("form_document")
        if not document:
            return document
        suffix = document_suffix(read_head(document))
        if suffix is None:
            raise forms.ValidationError(
                _("The signed document must be a PDF, PNG or JPEG file; this file is none of them.")
            )
        # Kept under the name its bytes give, so it is served as what it is.
        document.name = "signed-consent" + suffix
        return document


class RevokeForm(forms.Form):
    note = forms.CharField(
        label=_("Note (how the person revoked it)"), required=False, max_length=300
    )


class ReviewForm(forms.Form):
    review = forms.ChoiceField(choices=BreakGlassGrant.Review.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
