"""The directory search form, shared by the staff and the public page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from coresponder.core.local_time import LocalDateTimeField

from .models import ServiceKind

OPEN_CHOICES = [
    ("", _("Any time")),
    ("now", _("Open now")),
    ("at", _("Open at a time")),
]


class DirectorySearchForm(forms.Form):
    text = forms.CharField(label=_("Words"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind of service"),
        required=False,
        choices=[("", _("Any kind")), *ServiceKind.choices],
    )
    near = forms.CharField(label=_("Near (postal code or city)"), required=False, max_length=60)
    latitude = forms.FloatField(
        label=_("Latitude"), required=False, min_value=-90, max_value=90, widget=forms.HiddenInput
    )
    longitude = forms.FloatField(
        label=_("Longitude"),
        required=False,
        min_value=-180,
        max_value=180,
        widget=forms.HiddenInput,
    )
    radius = forms.ChoiceField(
        label=_("Within"),
        required=False,
        choices=[
            ("", _("any distance")),
            ("5", "5 km"),
            ("10", "10 km"),
            ("25", "25 km"),
            ("50", "50 km"),
        ],
    )
    language = forms.CharField(label=_("Language spoken"), required=False, max_length=40)
    open = forms.ChoiceField(label=_("Opening hours"), required=False, choices=OPEN_CHOICES)
    at = LocalDateTimeField(label=_("Open at"), required=False)

    def clean(self):
        data = super().clean()
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            raise forms.ValidationError(_("Give both latitude and longitude, or neither."))
        if data.get("open") == "at" and data.get("at") is None:
            self.add_error("at", _("Say when the service should be open."))
        return data


class ReferralSearchForm(forms.Form):
    """The whole directory, searched from an encounter's referral step: distances are
    from the call's place unless another place is given; "open now" is on the program's
    clock."""

    search = forms.CharField(widget=forms.HiddenInput, required=False, initial="1")
    text = forms.CharField(label=_("Name or words"), required=False, max_length=100)
    kind = DirectorySearchForm.base_fields["kind"]
    taxonomy = forms.CharField(
        label=_("Taxonomy term"),
        required=False,
        max_length=100,
        help_text=_("A code or words of a term the directory uses."),
    )
    radius = forms.ChoiceField(
        label=_("Within"),
        required=False,
        choices=[
            ("", _("any distance")),
            ("5", _("5 km of the call")),
            ("10", _("10 km of the call")),
            ("25", _("25 km of the call")),
            ("50", _("50 km of the call")),
        ],
    )
    near = forms.CharField(
        label=_("Near another place (postal code or city)"), required=False, max_length=60
    )
    open_now = forms.BooleanField(label=_("Open now"), required=False)
    has_room = forms.BooleanField(label=_("Has room now"), required=False)
