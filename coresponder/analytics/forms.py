"""Forms of the outcomes' pages: the report's period, and the cost settings."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from coresponder.core.time_bounds import TimeBounds, day_problem

from .models import CostSettings

LONGEST_REPORT_DAYS = 3 * 366


class ReportForm(forms.Form):
    """The period a report covers, both days included, and optional narrowing filters."""

    first_day = forms.DateField(
        label=_("First day"), widget=forms.DateInput(attrs={"type": "date"})
    )
    last_day = forms.DateField(
        label=_("Last day"),
        help_text=_("Included in the report."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(
        self,
        *args,
        choices: dict[str, list[tuple[object, str]]],
        bounds: TimeBounds | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.bounds = bounds  # the program's, planned-facing: a period may run ahead
        for name, label in (
            ("agency_id", _("Agency")),
            ("team_id", _("Team")),
            ("source", _("Source of the call")),
            ("concern", _("Reported concern")),
            ("response", _("Response")),
        ):
            self.fields[name] = forms.ChoiceField(
                label=label,
                required=False,
                choices=[("", _("All"))] + [(str(v), words) for v, words in choices[name]],
            )

    def clean(self):
        data = super().clean()
        for name in ("first_day", "last_day"):
            day = data.get(name)
            if day and self.bounds and (problem := day_problem(day, self.bounds)):
                self.add_error(name, problem)
        first, last = data.get("first_day"), data.get("last_day")
        if first and last:
            if last < first:
                raise forms.ValidationError(_("The last day comes before the first."))
            if (last - first).days >= LONGEST_REPORT_DAYS:
                raise forms.ValidationError(_("A report covers at most three years."))
            data["end"] = last + timedelta(days=1)
        return data

    def narrowing(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in ("agency_id", "team_id", "source", "concern", "response")
            if self.cleaned_data.get(name)
        }


class CostSettingsForm(forms.ModelForm):
    class Meta:
        model = CostSettings
        fields = [
            "currency",
            "ed_visit",
            "jail_day",
            "inpatient_day",
            "officer_hour",
            "baseline_ed_per_100",
            "baseline_arrests_per_100",
            "baseline_holds_per_100",
            "jail_days_per_arrest",
            "inpatient_days_per_hold",
            "baseline_officer_minutes",
        ]
        help_texts = {
            "currency": _("Three-letter code, such as USD."),
            "ed_visit": _(
                "What one emergency-department visit for a behavioural-health crisis costs "
                "the county, in whole currency units. Ask the hospital or the state's "
                "Medicaid cost reports."
            ),
            "jail_day": _("What one day in the county jail costs, from the sheriff's budget."),
            "inpatient_day": _("What one day on a psychiatric inpatient unit costs."),
            "officer_hour": _("An officer's hourly cost with benefits, from the agency."),
            "baseline_ed_per_100": _(
                "Before the program: how many of every 100 encounters (calls a team "
                "attended) ended in an emergency-department visit."
            ),
            "baseline_arrests_per_100": _(
                "Before the program: how many of every 100 encounters (calls a team "
                "attended) ended in an arrest."
            ),
            "baseline_holds_per_100": _(
                "Before the program: how many of every 100 encounters (calls a team "
                "attended) ended in an involuntary hold."
            ),
            "jail_days_per_arrest": _("How many days a person arrested spent in jail, on average."),
            "inpatient_days_per_hold": _(
                "How many days a person held spent on an inpatient unit, on average."
            ),
            "baseline_officer_minutes": _(
                "Before the program: an officer's minutes on a crisis call, from dispatch "
                "to clearing."
            ),
        }

    def clean_currency(self):
        currency = self.cleaned_data["currency"].strip().upper()
        if len(currency) != 3 or not currency.isalpha():
            raise forms.ValidationError(_("A three-letter currency code, such as USD."))
        return currency
