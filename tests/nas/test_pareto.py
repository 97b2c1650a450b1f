"""The pure Pareto functions on hand-made points, including ties and infeasible points."""

from __future__ import annotations

import itertools
import random

import pytest

from nas.pareto import Point, dominates, hypervolume, knee_point, pareto_front


def brute_force_front(points):
    feasible = [p for p in points if p.feasible]
    return {p.key for p in feasible if not any(dominates(q, p) for q in feasible)}


def test_front_on_hand_made_points():
    pts = [
        Point(0, 0.50, 10),
        Point(1, 0.60, 20),
        Point(2, 0.55, 25),
        Point(3, 0.70, 40),
        Point(4, 0.80, 30, feasible=False),
        Point(5, 0.40, 5),
    ]
    front = pareto_front(pts)
    assert [p.key for p in front] == [5, 0, 1, 3]  # sorted by latency; 2 dominated; 4 infeasible


def test_ties():
    pts = [Point(0, 0.5, 10), Point(1, 0.5, 10), Point(2, 0.5, 12), Point(3, 0.6, 12)]
    assert {p.key for p in pareto_front(pts)} == {0, 1, 3}
    assert not dominates(pts[0], pts[1]) and not dominates(pts[1], pts[0])
    assert dominates(pts[0], pts[2])


@pytest.mark.parametrize("seed", range(5))
def test_front_matches_brute_force(seed):
    rng = random.Random(seed)
    pts = [
        Point(i, rng.choice([0.1, 0.2, 0.3, 0.4]), rng.choice([1.0, 2.0, 3.0]), rng.random() > 0.2)
        for i in range(30)
    ]
    assert {p.key for p in pareto_front(pts)} == brute_force_front(pts)


def test_hypervolume_hand_made():
    # Staircase: (lat 2, acc .5) and (lat 6, acc .8), reference (lat 10, acc 0).
    pts = [Point(0, 0.5, 2), Point(1, 0.8, 6), Point(2, 0.4, 8)]
    assert hypervolume(pts, 10) == pytest.approx(8 * 0.5 + 4 * 0.3)
    assert hypervolume([], 10) == 0.0
    assert hypervolume([Point(0, 0.9, 12)], 10) == 0.0  # beyond the budget: nothing
    assert hypervolume([Point(0, 0.9, 1, feasible=False)], 10) == 0.0
    # Adding a dominated point changes nothing; adding a better one grows the volume.
    assert hypervolume([*pts, Point(3, 0.3, 7)], 10) == pytest.approx(hypervolume(pts, 10))
    assert hypervolume([*pts, Point(4, 0.9, 1)], 10) > hypervolume(pts, 10)


def test_hypervolume_by_grid_integration():
    rng = random.Random(3)
    pts = [Point(i, rng.random(), rng.uniform(0, 10)) for i in range(12)]
    step = 0.01
    area = 0.0
    for x, y in itertools.product(range(1000), range(100)):
        lat, acc = (x + 0.5) * step, (y + 0.5) * step
        if any(p.latency_ms <= lat and p.accuracy >= acc for p in pts):
            area += step * step
    assert hypervolume(pts, 10) == pytest.approx(area, rel=0.02)


def test_knee():
    front = [Point(0, 0.2, 1), Point(1, 0.6, 2), Point(2, 0.65, 5), Point(3, 0.7, 10)]
    assert knee_point(front).key == 1
    with pytest.raises(ValueError):
        knee_point([])
