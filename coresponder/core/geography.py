"""Places on the earth and the distance between them, shared by team and service ranking."""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class Place:
    lat: float
    lon: float


def great_circle_km(a: Place, b: Place) -> float:
    """The haversine distance. For points nearly opposite each other rounding can put the
    haversine a hair above 1, outside asin's domain: it is held to 1."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat, dlon = lat2 - lat1, math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
