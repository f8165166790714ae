"""A synthetic police crisis-call export in the shape many published crisis datasets take.

Police open-data portals publish their person-in-crisis calls without dates: an event id,
the year, the month, the weekday's name and the hour, the kind of event, a neighbourhood,
and a yes/no flag for the outcome that matters most to them — whether the person was
apprehended (detained for a mental-health evaluation). This writes such a file, seeded,
for the import's tests, its benchmark and the README's example: the same rows every run,
so nothing large is committed. The mapping that reads it is shipped as
`interop/mappings/police-crisis-data.toml`.
"""

from __future__ import annotations

import random
from calendar import month_name
from pathlib import Path

from coresponder.core.spreadsheet import safe_csv_writer

SEED = 20241017
HEADER = [
    "EVENT_ID",
    "EVENT_YEAR",
    "EVENT_MONTH",
    "EVENT_DOW",
    "EVENT_HOUR",
    "EVENT_TYPE",
    "NEIGHBOURHOOD",
    "APPREHENSION_MADE",
]
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# (event type, weight, share apprehended): crisis calls most, suicide-related ones held
# most often, overdoses least (they go to hospital by ambulance, not under the act).
EVENT_TYPES = (
    ("Person in Crisis", 70, 0.26),
    ("Suicide-related", 19, 0.44),
    ("Overdose", 8, 0.07),
    ("Elopee", 3, 0.31),
)
# Calls by hour of the day: fewest before dawn, most in the late afternoon and evening.
HOURS = (3, 2, 2, 1, 1, 1, 2, 3, 4, 5, 5, 6, 6, 6, 7, 7, 8, 8, 8, 7, 6, 5, 4, 4)
NEIGHBOURHOODS = 40


def write_crisis_export(
    path: Path, rows: int, *, first_year: int = 2014, years: int = 10, seed: int = SEED
) -> Path:
    """`rows` calls spread over `years` years from `first_year`, seeded; returns `path`."""
    chance = random.Random(seed)
    kinds = [(name, share) for name, _weight, share in EVENT_TYPES]
    weights = [weight for _name, weight, _share in EVENT_TYPES]
    # A few busier neighbourhoods, as in any city.
    places = [f"Neighbourhood {number:02d}" for number in range(1, NEIGHBOURHOODS + 1)]
    place_weights = [1 + (number % 7 == 0) * 4 for number in range(NEIGHBOURHOODS)]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = safe_csv_writer(handle)
        writer.writerow(HEADER)
        for number in range(1, rows + 1):
            # More calls year by year, as programs report.
            year = first_year + min(int(chance.triangular(0, years, years)), years - 1)
            kind, held = chance.choices(kinds, weights)[0]
            writer.writerow(
                [
                    f"PIC{year}{number:07d}",
                    year,
                    month_name[chance.randint(1, 12)],
                    chance.choice(WEEKDAYS),
                    chance.choices(range(24), HOURS)[0],
                    kind,
                    chance.choices(places, place_weights)[0],
                    "Yes" if chance.random() < held else "No",
                ]
            )
    return path
