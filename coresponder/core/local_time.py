"""Times as people read and type them: on the program's clock.

Coresponder keeps every instant in UTC. A person reads and types times in the program's
time zone (`Program.time_zone`), or in their own where they set one; a middleware makes
that zone Django's current one for each request (`accounts.middleware`), so templates and
forms need nothing more. Outside a request (e-mails, reports made in the background,
commands) the code names the program's zone itself.

Twice a year the local clock is not one-to-one with instants. In spring an hour is skipped:
a time typed in it does not exist and is refused, saying which hour the clocks skip. In
autumn an hour happens twice: a time typed in it is read as the first, as the CSV import
reads it, and pages show the zone's abbreviation where the two could be told apart.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache

from django import forms
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

LOCAL_INPUT = "%Y-%m-%dT%H:%M"  # what a `datetime-local` input sends
LOCAL_INPUT_FORMATS = (LOCAL_INPUT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")


@cache
def time_zone_names() -> tuple[str, ...]:
    """Every IANA zone name this machine knows, sorted."""
    return tuple(sorted(zoneinfo.available_timezones()))


def zone_named(name: str) -> zoneinfo.ZoneInfo:
    """The zone of an IANA name such as `America/Denver`; ValueError with words if unknown."""
    try:
        if name and name in time_zone_names():
            return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        pass
    raise ValueError(
        _("%(name)r is not a time zone. Give an IANA name such as America/Denver.") % {"name": name}
    )


def check_time_zone(value: str) -> None:
    """A model and form validator: the value names a known zone."""
    try:
        zone_named(value)
    except ValueError as error:
        raise ValidationError(str(error), code="time_zone") from None


class NonexistentTime(ValueError):
    """A local time inside the hour the clocks skip."""


def _exists(local: datetime, zone: tzinfo) -> bool:
    moment = local.replace(tzinfo=zone)
    return moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == local


def is_ambiguous(local: datetime, zone: tzinfo) -> bool:
    """The local time happens twice (the autumn hour)."""
    first, second = local.replace(tzinfo=zone, fold=0), local.replace(tzinfo=zone, fold=1)
    return _exists(local, zone) and first.utcoffset() != second.utcoffset()


def _skipped_hour(local: datetime, zone: tzinfo) -> tuple[datetime, datetime]:
    """The first skipped minute and the first minute after the skip, around `local`."""
    start = local.replace(second=0, microsecond=0)
    while not _exists(start - timedelta(minutes=1), zone):
        start -= timedelta(minutes=1)
    end = local.replace(second=0, microsecond=0) + timedelta(minutes=1)
    while not _exists(end, zone):
        end += timedelta(minutes=1)
    return start, end


def aware_in(local: datetime, zone: tzinfo) -> datetime:
    """The instant a person means by a local (naive) time on the clock of `zone`.

    A time that happens twice is read as the first; one the clocks skip raises
    `NonexistentTime`, whose words say which times are skipped.
    """
    if local.tzinfo is not None:
        return local
    try:
        exists = _exists(local, zone)
    except OverflowError:
        # A day at the very edge of what Python holds cannot be placed on any clock. It is
        # outside every program's bounds, whose check then says so: keep it, read as UTC.
        return local.replace(tzinfo=UTC)
    if not exists:
        start, end = _skipped_hour(local, zone)
        raise NonexistentTime(
            _(
                "%(time)s on %(day)s does not exist in %(zone)s: the clocks go forward "
                "from %(start)s to %(end)s that night. Give a time before %(start)s or "
                "from %(end)s."
            )
            % {
                "time": local.strftime("%H:%M"),
                "day": local.strftime("%Y-%m-%d"),
                "zone": str(zone),
                "start": start.strftime("%H:%M"),
                "end": end.strftime("%H:%M"),
            }
        )
    # In UTC: Python never finds a time of the repeated hour equal to one in another zone.
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


def day_starts(day: date, zone: tzinfo) -> datetime:
    """The instant `day` starts on the clock of `zone` (the first time of it that exists,
    where the clocks skip midnight)."""
    midnight = datetime.combine(day, time.min)
    try:
        return aware_in(midnight, zone)
    except NonexistentTime:
        return aware_in(midnight + timedelta(hours=1), zone)


def end_of_local_day(moment: datetime) -> datetime:
    """The last instant of the day `moment` falls in, on the current clock."""
    local = timezone.localtime(moment)
    return timezone.make_aware(datetime.combine(local.date(), time.max), local.tzinfo)


def current_zone() -> tzinfo:
    return timezone.get_current_timezone()


def local_input(value: datetime | None, zone: tzinfo | None = None) -> str:
    """A `datetime-local` input's value for an instant, on the current (or given) clock."""
    if value is None:
        return ""
    return timezone.localtime(value, zone or current_zone()).strftime(LOCAL_INPUT)


def moment_words(value: datetime, zone: tzinfo) -> str:
    """An instant for a message read outside Coresponder: `2026-12-03 09:00 MST`."""
    local = timezone.localtime(value, zone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


class _ZoneLabelled(BoundField):
    def __init__(self, form, field, name):
        super().__init__(form, field, name)
        if field.label:
            self.label = f"{field.label} ({field.zone or current_zone()})"


class LocalDateTimeField(forms.CharField):
    """A `datetime-local` input, read on the clock of the current time zone.

    Its label names the zone, so the person typing knows which clock they type on.
    """

    bound_field_class = _ZoneLabelled
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"})
    default_error_messages = {"invalid": gettext_lazy("Give a date and time.")}

    def __init__(self, *args, zone: tzinfo | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone

    def to_python(self, value) -> datetime | None:
        value = super().to_python(value).strip()
        if not value:
            return None
        for form in LOCAL_INPUT_FORMATS:
            try:
                local = datetime.strptime(value, form)  # noqa: DTZ007 (made aware below)
                break
            except ValueError:
                continue
        else:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            return aware_in(local, self.zone or current_zone())
        except NonexistentTime as error:
            raise ValidationError(str(error), code="nonexistent_time") from None

    def prepare_value(self, value):
        if isinstance(value, datetime):
            return local_input(value, self.zone)
        return value
