"""Instruments and hold criteria in Django admin.

An administrator adds an instrument by pasting its definition (JSON; see
docs/instruments.md): it is checked whole and refused with the place and the reason, and a
stored version is never edited, only retired or followed by a new version. Encounters
themselves are not here: they are read through the privacy policy on their own pages.
"""

import json

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import actions, instruments
from .models import HoldCriterion, Instrument


class DefinitionField(forms.JSONField):
    def prepare_value(self, value):
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(value, indent=2, ensure_ascii=False)


class InstrumentForm(forms.ModelForm):
    definition = DefinitionField(
        help_text=_(
            "key, version, title, questions (key, text, answer, ask_if) and bands (level, "
            "label, when, says). See docs/instruments.md."
        ),
        widget=forms.Textarea(attrs={"rows": 30, "cols": 100, "style": "font-family: monospace"}),
    )

    class Meta:
        model = Instrument
        fields = ["definition", "is_active"]

    def clean_definition(self):
        definition = self.cleaned_data["definition"]
        try:
            parsed = instruments.parse_instrument(definition)
        except instruments.InstrumentError as error:
            raise ValidationError(str(error)) from None
        if self.instance.pk is None:
            if Instrument.objects.filter(key=parsed.key, version=parsed.version).exists():
                raise ValidationError(
                    _("%(key)s version %(version)s exists; give the changed one a new version.")
                    % {"key": parsed.key, "version": parsed.version}
                )
            # Key, version and title are the definition's own.
            self.instance.key, self.instance.version = parsed.key, parsed.version
            self.instance.title = parsed.title
        return definition


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    form = InstrumentForm
    list_display = ["title", "key", "version", "is_active", "shipped", "created_at"]
    list_filter = ["is_active", "shipped"]

    def get_readonly_fields(self, request, obj=None):
        # A stored version stays as it was answered; only whether it is offered changes.
        return ["definition", "key", "version", "title", "shipped"] if obj else []

    def get_fields(self, request, obj=None):
        return (
            ["key", "version", "title", "shipped", "definition", "is_active"]
            if obj
            else [
                "definition",
                "is_active",
            ]
        )

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        saved = actions.add_instrument(
            form.cleaned_data["definition"], acting_user=request.user, request=request
        )
        if not form.cleaned_data.get("is_active", True):
            saved.is_active = False
            saved.save(update_fields=["is_active", "updated_at"])
        obj.pk = saved.pk


@admin.register(HoldCriterion)
class HoldCriterionAdmin(admin.ModelAdmin):
    list_display = ["text", "code", "program", "is_active"]
    list_filter = ["program", "is_active"]
