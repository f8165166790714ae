"""Triage rules in Django admin: a change is a new version, checked before it is kept.

Calls themselves are not edited here; they are written by intake and read through the
privacy policy on their own pages.
"""

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from coresponder.core.exceptions import DomainError

from . import actions, triage
from .models import TriageRuleSet


class RulesField(forms.JSONField):
    """Shows the rules indented, one key a line, so an administrator can read and edit them."""

    def prepare_value(self, value):
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(value, indent=2, ensure_ascii=False)


class RuleSetForm(forms.ModelForm):
    rules = RulesField(
        help_text=_(
            "The rules, tried in order; the first that matches decides. Each has key, "
            "response, priority (1–4), when (conditions) and says (the reason in words). "
            "See docs/triage.md."
        ),
        widget=forms.Textarea(attrs={"rows": 30, "cols": 100, "style": "font-family: monospace"}),
    )

    class Meta:
        model = TriageRuleSet
        fields = ["program", "rules", "note"]

    def clean_rules(self):
        rules = self.cleaned_data["rules"]
        try:
            triage.parse_rules(rules)
        except triage.RuleError as error:
            raise ValidationError(str(error)) from None
        return rules


@admin.register(TriageRuleSet)
class TriageRuleSetAdmin(admin.ModelAdmin):
    """Versions are kept as they were: "add" starts from the rules in force."""

    form = RuleSetForm
    list_display = ["program", "version", "note", "created_by", "created_at"]
    list_filter = ["program"]
    readonly_fields = ["version", "created_by", "created_at"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_changeform_initial_data(self, request):
        program = request.user.agency.program
        current = actions.rules_in_force(program)
        return {"program": program.pk, "rules": current.rules}

    def save_model(self, request, obj, form, change):
        try:
            saved = actions.change_rules(
                obj.program,
                rules=form.cleaned_data["rules"],
                note=form.cleaned_data["note"],
                acting_user=request.user,
                request=request,
            )
        except DomainError as error:  # checked in the form already; kept for safety
            messages.error(request, error.message)
            return
        obj.pk, obj.version = saved.pk, saved.version
