"""What the demo tests read off a built demo, shared by the tests that build it once and
those that build their own."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from coresponder.referrals.models import MODELS as DIRECTORY_MODELS

# The demo's reference time in tests: a Wednesday, 06:00 in the program's zone (Denver).
DEMO_NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)


def assert_a_realistic_day(program, now) -> None:
    """Busy evenings, quiet small hours, suicidal thoughts the leading concern: what the
    demo's day holds by construction, whatever the hour it was built."""
    from zoneinfo import ZoneInfo

    from coresponder.calls.models import Call

    calls = list(Call.objects.of_program(program))
    assert 50 <= len(calls) <= 100
    assert all(now - timedelta(hours=24) <= call.received_at < now for call in calls)
    zone = ZoneInfo(program.time_zone)
    hours = Counter(call.received_at.astimezone(zone).hour for call in calls)
    evening = sum(hours[h] for h in range(16, 22))
    small_hours = sum(hours[h] for h in range(0, 6))
    assert evening > 2 * small_hours, hours
    concerns = Counter(c for call in calls for c in call.concerns)
    assert concerns.most_common(1)[0][0] == "suicidal", concerns


def directory_picture(program) -> dict[str, dict[str, dict]]:
    """Every field of every directory row, links as the HSDS ids they name."""
    skipped = {"id", "program", "created_at", "updated_at"}
    picture = {}
    for table, model in DIRECTORY_MODELS.items():
        fields = [f for f in model._meta.concrete_fields if f.name not in skipped]
        names = [f"{f.name}__hsds_id" if f.is_relation else f.name for f in fields]
        rows = model.objects.filter(program=program).values(*names)
        picture[table] = {row["hsds_id"]: row for row in rows}
    return picture
