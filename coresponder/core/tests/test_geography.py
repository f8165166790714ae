"""Distances that team and service ranking both rest on."""

from __future__ import annotations

import pytest

from coresponder.core.geography import Place, great_circle_km


def test_a_degree_of_latitude_is_about_111_km():
    assert great_circle_km(Place(39.0, -105.0), Place(40.0, -105.0)) == pytest.approx(
        111.2, abs=0.1
    )


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (Place(0.0, 0.0), Place(0.0, 180.0)),
        (Place(90.0, 0.0), Place(-90.0, 0.0)),
        # Rounding puts the haversine of these a hair above 1 (1.0000000000000002).
        (Place(31.0574, -114.5363), Place(-31.0574, 65.4637)),
        (Place(-19.263, -13.2392), Place(19.263, 166.7608)),
    ],
)
def test_points_on_opposite_sides_of_the_earth_are_half_its_circumference_apart(a, b):
    assert great_circle_km(a, b) == pytest.approx(20015.1, abs=0.5)
