"""The board's map: the area and what is on it, projected into the frame."""

from __future__ import annotations

from coresponder.dispatch.board_map import (
    CHARACTER_WIDTH,
    GAP,
    HEIGHT,
    LABEL_HEIGHT,
    MARKER_RADIUS,
    PAD,
    WIDTH,
    Box,
    draw,
)

AREA = [[39.78, -105.02], [39.78, -104.96], [39.69, -104.96], [39.69, -105.02]]


def inside(x: float, y: float) -> bool:
    return PAD - 0.5 <= x <= WIDTH - PAD + 0.5 and PAD - 0.5 <= y <= HEIGHT - PAD + 0.5


def test_the_area_teams_and_calls_are_drawn_inside_the_frame_north_up():
    drawing = draw(
        [AREA],
        [(39.77, -105.01, "CRT 1", "dispatched", "CRT 1: dispatched", "call-a")],
        [(39.70, -104.97, "2026-000001", "p1", "call", "call-a")],
    )
    points = [tuple(map(float, p.split(","))) for p in drawing.areas[0].split()]
    assert all(inside(x, y) for x, y in points)
    team, call = drawing.teams[0], drawing.calls[0]
    assert inside(team.x, team.y)
    assert inside(call.x, call.y)
    # North is up and east is right: the team, north-west of the call, is up and left of it.
    assert team.y < call.y
    assert team.x < call.x
    # A team on a call is linked to it.
    assert drawing.links == [(team.x, team.y, call.x, call.y)]


def test_without_a_boundary_the_teams_and_calls_make_the_frame():
    drawing = draw([], [(39.7, -105.0, "A", "available", "A", None)], [])
    assert drawing.areas == []
    assert not drawing.empty
    assert draw([], [], []).empty


def test_a_degree_east_is_shorter_than_a_degree_north_at_this_latitude():
    square = [[40.0, -105.0], [40.0, -104.9], [39.9, -104.9], [39.9, -105.0]]
    points = [tuple(map(float, p.split(","))) for p in draw([square], [], []).areas[0].split()]
    width = max(x for x, _ in points) - min(x for x, _ in points)
    height = max(y for _, y in points) - min(y for _, y in points)
    assert 0.7 < width / height < 0.8  # cos(40°) ≈ 0.77


def _crowd():
    """Five calls and four teams within a few hundred metres of one another."""
    calls = [
        (39.7600 + 0.0008 * n, -104.9900 + 0.0006 * n, f"2026-00012{n}", "p2", "call", f"c{n}")
        for n in range(5)
    ]
    teams = [
        (39.7604 + 0.0007 * n, -104.9897 - 0.0005 * n, f"CRT North {n}", "available", "t", None)
        for n in range(4)
    ]
    return draw([AREA], teams, calls)


def test_labels_of_a_crowd_overlap_no_label_and_no_marker_and_stay_in_the_frame():
    drawing = _crowd()
    labels = drawing.labels
    assert len(labels) == 9
    for n, marker in enumerate(labels):
        assert marker.box.inside(WIDTH, HEIGHT)
        for other in labels[n + 1 :]:
            assert not marker.box.overlaps(other.box), (marker.label, other.label)
        for other in labels:
            reach = Box(other.x - MARKER_RADIUS, other.y - MARKER_RADIUS, 20, 20)
            assert not marker.box.overlaps(reach), (marker.label, other.label)
    # Crowded labels move away, each with a line back to its marker.
    assert any(marker.leader for marker in labels)


def test_a_lone_label_sits_right_of_its_marker_with_no_line():
    drawing = draw([AREA], [(39.75, -104.99, "CRT 1", "available", "CRT 1", None)], [])
    team = drawing.teams[0]
    assert team.box.left == team.x + MARKER_RADIUS + GAP
    assert team.box.top == team.y - LABEL_HEIGHT / 2
    assert team.leader is None
    assert team.box.width == len("CRT 1") * CHARACTER_WIDTH + GAP
