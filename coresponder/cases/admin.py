"""Follow-up rules and numbers in Django admin.

Administrators edit as data which dispositions open a case and how soon the first contact
is due (`FollowUpRule`), and the program's numbers: the repeat-crisis count and window,
the failed attempts that flag a case, a referral's hours to answer (`FollowUpSettings`).
While a program has no rule at all the defaults apply (docs/operations.md); once it has
one, only its rules in use do. Cases themselves are not here: they are read through the
privacy policy on their own pages.
"""

from django.contrib import admin

from .models import FollowUpRule, FollowUpSettings


@admin.register(FollowUpRule)
class FollowUpRuleAdmin(admin.ModelAdmin):
    list_display = ["disposition", "contact_within_hours", "program", "is_active"]
    list_filter = ["program", "is_active"]


@admin.register(FollowUpSettings)
class FollowUpSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "program",
        "repeat_calls",
        "repeat_days",
        "first_contact_hours",
        "failed_attempts_flag",
        "referral_answer_hours",
    ]
