"""The board's map: the area and what is on it, projected into the frame."""

from __future__ import annotations

from coresponder.dispatch.board_map import HEIGHT, PAD, WIDTH, draw

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
