"""The board's map: the service area and what is on it, drawn as SVG from coordinates.

No map tiles: the area comes from the program's own boundary (or, without one, the box
around its teams and calls), projected flat — at a county's scale the earth's curve does
not matter, but a degree of longitude is shorter than one of latitude, so it is scaled by
the cosine of the latitude.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

WIDTH, HEIGHT, PAD = 640.0, 420.0, 24.0


# A label's box, in the map's units: the board writes labels at 15 px, bold. A character
# is taken as wide as the widest digit, so the box is never smaller than the text drawn.
CHARACTER_WIDTH = 9.6
LABEL_HEIGHT = 19.0
BASELINE = 14.5  # from the box's top
MARKER_RADIUS = 10.0  # a marker's reach from its point (circle 7 and its outline; triangle 9)
GAP = 3.0
RINGS = 10  # how far a label may move from its marker, in steps of one label's height


@dataclass(frozen=True)
class Box:
    left: float
    top: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def bottom(self) -> float:
        return self.top + self.height

    def overlaps(self, other: Box) -> bool:
        return (
            self.left < other.right
            and other.left < self.right
            and self.top < other.bottom
            and other.top < self.bottom
        )

    def inside(self, width: float, height: float) -> bool:
        return self.left >= 0 and self.top >= 0 and self.right <= width and self.bottom <= height


@dataclass(frozen=True)
class Marker:
    x: float
    y: float
    label: str
    kind: str  # a team's status or a call's priority, for the style
    title: str
    box: Box | None = None  # where the label is written; set by `place_labels`

    @property
    def triangle(self) -> str:
        x, y = self.x, self.y
        return f"{x},{y - 9:.1f} {x + 8:.1f},{y + 6:.1f} {x - 8:.1f},{y + 6:.1f}"

    @property
    def label_x(self) -> float:
        return round(self.box.left + GAP / 2, 1)

    @property
    def label_y(self) -> float:
        return round(self.box.top + BASELINE, 1)

    @property
    def leader(self) -> tuple[float, float] | None:
        """The point of the label a line is drawn to, when the label was moved away from
        its marker; None when it sits beside it."""
        box = self.box
        nearest_x = min(max(self.x, box.left), box.right)
        nearest_y = min(max(self.y, box.top), box.bottom)
        if math.hypot(nearest_x - self.x, nearest_y - self.y) <= MARKER_RADIUS + GAP + 0.5:
            return None
        return round(nearest_x, 1), round(nearest_y, 1)


def _marker_box(x: float, y: float) -> Box:
    return Box(x - MARKER_RADIUS, y - MARKER_RADIUS, 2 * MARKER_RADIUS, 2 * MARKER_RADIUS)


def _spots(x: float, y: float, width: float, height: float):
    """Where a label may go, nearest first: beside its marker (right, left, above, below,
    the corners), then the same further out, ring by ring."""
    near = MARKER_RADIUS + GAP
    for ring in range(RINGS):
        out = near + ring * height
        yield Box(x + out, y - height / 2, width, height)  # right
        yield Box(x - out - width, y - height / 2, width, height)  # left
        yield Box(x - width / 2, y - out - height, width, height)  # above
        yield Box(x - width / 2, y + out, width, height)  # below
        yield Box(x + out, y - out - height, width, height)  # up right
        yield Box(x - out - width, y - out - height, width, height)  # up left
        yield Box(x + out, y + out, width, height)  # down right
        yield Box(x - out - width, y + out, width, height)  # down left


def place_labels(markers: list[Marker], width: float = WIDTH, height: float = HEIGHT):
    """Each marker with its label placed where it overlaps no other label and no marker,
    inside the frame: the first free spot, nearest first, taken in the order given (the
    most urgent first). Where nothing is free (a crowd no map could label) the label goes
    beside its marker."""
    taken = [_marker_box(m.x, m.y) for m in markers]
    placed = []
    for marker in markers:
        size = (len(marker.label) * CHARACTER_WIDTH + GAP, LABEL_HEIGHT)
        own = _marker_box(marker.x, marker.y)
        spots = list(_spots(marker.x, marker.y, *size))
        box = next(
            (
                spot
                for spot in spots
                if spot.inside(width, height)
                and not any(spot.overlaps(other) for other in taken if other is not own)
            ),
            None,
        )
        if box is None:
            box = next((spot for spot in spots if spot.inside(width, height)), spots[0])
        taken.append(box)
        placed.append(replace(marker, box=box))
    return placed


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

    @property
    def labels(self) -> list[Marker]:
        return [*self.calls, *self.teams]


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
    markers = []
    for lat, lon, label, kind, title, call_id in calls:
        x, y = project(lat, lon)
        where_call[call_id] = (x, y)
        markers.append(Marker(x, y, label, kind, title))
    for lat, lon, label, kind, title, call_id in teams:
        x, y = project(lat, lon)
        markers.append(Marker(x, y, label, kind, title))
        if call_id in where_call:
            drawing.links.append((x, y, *where_call[call_id]))
    # Calls first: their labels sit nearest their markers.
    placed = place_labels(markers)
    drawing.calls, drawing.teams = placed[: len(calls)], placed[len(calls) :]
    return drawing
