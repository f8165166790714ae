"""`{{ moment|clock:"j M Y H:i" }}`: a time on the page's clock, as the `date` filter shows it,
and with the zone's abbreviation in the hour the clocks repeat in autumn, where 01:30 alone
could be either of two instants."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils import timezone

from coresponder.core.local_time import is_ambiguous

register = template.Library()


@register.filter(expects_localtime=True)
def clock(value, format_string: str = "j M Y H:i") -> str:
    if not isinstance(value, datetime) or timezone.is_naive(value):
        return date_filter(value, format_string)
    try:
        local = timezone.localtime(value)
    except OverflowError:
        # An instant this zone's calendar cannot hold (year 1 or 9999): shown as stored,
        # in UTC, as every other time on the page (core.time_bounds.template_localtime).
        local = value
    text = date_filter(local, format_string)
    if is_ambiguous(local.replace(tzinfo=None), local.tzinfo) and "T" not in format_string:
        text = f"{text} {local.tzname()}"
    return text
