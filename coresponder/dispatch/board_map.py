"""The board's map: the service area and what is on it, drawn as SVG from coordinates.

No map tiles: the area comes from the program's own boundary (or, without one, the box
around its teams and calls), projected flat — at a county's scale the earth's curve does
not matter, but a degree of longitude is shorter than one of latitude, so it is scaled by
the cosine of the latitude.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

WIDTH, HEIGHT, PAD = 640.0, 420.0, 24.0


@dataclass(frozen=True)
class Marker:
    x: float
    y: float
    label: str
    kind: str  # a team's status or a call's priority, for the style
    title: str

    @property
    def triangle(self) -> str:
        x, y = self.x, self.y
        return f"{x},{y - 9:.1f} {x + 8:.1f},{y + 6:.1f} {x - 8:.1f},{y + 6:.1f}"

    @property
    def label_x(self) -> float:
        return round(self.x + 10, 1)

    @property
    def left_x(self) -> float:
        return round(self.x - 11, 1)

    @property
    def label_y(self) -> float:
        return round(self.y + 4, 1)


@dataclass
class MapDrawing:
    width: float = WIDTH
    height: float = HEIGHT
    areas: list[str] = field(default_factory=list)  # SVG polygon points
    teams: list[Marker] = field(default_factory=list)
    calls: list[Marker] = field(default_factory=list)
    links: list[tuple[float, float, float, float]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.areas or self.teams or self.calls)


class Projection:
    def __init__(self, points: list[tuple[float, float]]):
        lats = [p[0] for p in points]
        lons = [p[1] for p in points]
        self.south, self.north = min(lats), max(lats)
        self.west, self.east = min(lons), max(lons)
        self.kx = math.cos(math.radians((self.south + self.north) / 2))
        span_x = max((self.east - self.west) * self.kx, 1e-6)
        span_y = max(self.north - self.south, 1e-6)
        self.scale = min((WIDTH - 2 * PAD) / span_x, (HEIGHT - 2 * PAD) / span_y)
        # Centre the drawing in the frame.
        self.off_x = (WIDTH - span_x * self.scale) / 2
        self.off_y = (HEIGHT - span_y * self.scale) / 2

    def __call__(self, lat: float, lon: float) -> tuple[float, float]:
        x = self.off_x + (lon - self.west) * self.kx * self.scale
        y = self.off_y + (self.north - lat) * self.scale
        return round(x, 1), round(y, 1)


def draw(
    boundaries: Iterable[list[list[float]]],
    teams: Iterable[tuple[float, float, str, str, str, object]],
    calls: Iterable[tuple[float, float, str, str, str, object]],
) -> MapDrawing:
    """`teams` and `calls`: (lat, lon, label, kind, title, id); a team's id is its call's."""
    boundaries = [b for b in boundaries if len(b) >= 3]
    teams, calls = list(teams), list(calls)
    points = [(p[0], p[1]) for b in boundaries for p in b]
    points += [(t[0], t[1]) for t in teams] + [(c[0], c[1]) for c in calls]
    drawing = MapDrawing()
    if not points:
        return drawing
    project = Projection(points)
    drawing.areas = [
        " ".join(f"{x},{y}" for x, y in (project(p[0], p[1]) for p in boundary))
        for boundary in boundaries
    ]
    where_call = {}
    for lat, lon, label, kind, title, call_id in calls:
        x, y = project(lat, lon)
        where_call[call_id] = (x, y)
        drawing.calls.append(Marker(x, y, label, kind, title))
    for lat, lon, label, kind, title, call_id in teams:
        x, y = project(lat, lon)
        drawing.teams.append(Marker(x, y, label, kind, title))
        if call_id in where_call:
            drawing.links.append((x, y, *where_call[call_id]))
    return drawing
