"""The program's referral settings in Django admin: how long a partner keeps access to a
person after an attended appointment (`ReferralSettings`; 14 days without a row)."""

from django.contrib import admin

from .models import ReferralSettings


@admin.register(ReferralSettings)
class ReferralSettingsAdmin(admin.ModelAdmin):
    list_display = ["program", "days_after_attended"]
