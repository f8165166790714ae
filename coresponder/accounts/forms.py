from django import forms
from django.utils.translation import gettext_lazy as _

from coresponder.core.local_time import time_zone_names

from .models import Agency, ApiToken, Course, TrainingRecord, User
from .training import Status


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "username",
                "autofocus": True,
                "autocapitalize": "none",
                "spellcheck": "false",
            }
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=_("Six-digit code"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("Enter the six digits your authenticator app shows.")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "maxlength": 8,
            }
        ),
    )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip()


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text=_("The system that will use it, e.g. “County CAD webhook”."),
    )
    agency = forms.ModelChoiceField(label=_("Agency"), queryset=Agency.objects.none())
    scopes = forms.CharField(
        label=_("FHIR scopes"),
        required=False,
        max_length=500,
        help_text=_(
            "For the FHIR API only, separated by spaces, e.g. “patient/*.read” or "
            "“system/Patient.read”. Empty: no FHIR access."
        ),
    )

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(program=program)


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.full_name or obj.username} ({obj.agency.name})"


class TrainingRecordForm(forms.Form):
    """Parses the input; whether it may be recorded is the action's to say."""

    user = StaffChoiceField(label=_("Person"), queryset=User.objects.none())
    course = forms.ChoiceField(label=_("Course"), choices=Course.choices)
    completed_on = forms.DateField(
        label=_("Completed or issued on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    expires_on = forms.DateField(
        label=_("Expires on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    provider = forms.CharField(
        label=_("Provider or issuer"),
        max_length=TrainingRecord._meta.get_field("provider").max_length,
        help_text=_("Who gave the course, or the board that issued the licence."),
    )
    certificate_number = forms.CharField(
        label=_("Certificate or licence number"),
        max_length=TrainingRecord._meta.get_field("certificate_number").max_length,
        required=False,
    )

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = staff


class ComplianceFilterForm(forms.Form):
    STATUSES = [
        ("", _("Everyone")),
        (Status.OUT_OF_DATE, Status.OUT_OF_DATE.label),
        (Status.EXPIRING, Status.EXPIRING.label),
    ]

    agency = forms.ModelChoiceField(
        label=_("Agency"), queryset=Agency.objects.none(), required=False, empty_label=_("All")
    )
    status = forms.ChoiceField(label=_("Status"), choices=STATUSES, required=False)

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(program=program)


class TimeZoneForm(forms.Form):
    time_zone = forms.ChoiceField(label=_("Show and take times in"), required=False)

    def __init__(self, *args, program_zone: str, **kwargs):
        super().__init__(*args, **kwargs)
        program = _("The program's time zone (%(zone)s)") % {"zone": program_zone}
        self.fields["time_zone"].choices = [
            ("", program),
            *((name, name) for name in time_zone_names() if name != program_zone),
        ]
