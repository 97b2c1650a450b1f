"""Pareto maths over plain records: maximise accuracy, minimise latency.

Pure functions (Optuna's `study/_multi_objective.py` is the model): no study, model or
MLflow needed, so they are tested on hand-made points.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Point:
    key: int  # trial number
    accuracy: float
    latency_ms: float
    feasible: bool = True


def dominates(a: Point, b: Point) -> bool:
    """a is at least as good in both objectives and strictly better in one."""
    return (
        a.accuracy >= b.accuracy
        and a.latency_ms <= b.latency_ms
        and (a.accuracy > b.accuracy or a.latency_ms < b.latency_ms)
    )


def pareto_front(points: list[Point]) -> list[Point]:
    """Non-dominated feasible points, sorted by latency. Exact ties are all kept."""
    feasible = [p for p in points if p.feasible]
    ordered = sorted(feasible, key=lambda p: (p.latency_ms, -p.accuracy, p.key))
    front: list[Point] = []
    best = float("-inf")
    for p in ordered:
        if p.accuracy > best:
            front.append(p)
            best = p.accuracy
        elif front and p.accuracy == front[-1].accuracy and p.latency_ms == front[-1].latency_ms:
            front.append(p)  # an exact tie with a frontier point is not dominated
    return front


def hypervolume(points: list[Point], ref_latency_ms: float, ref_accuracy: float = 0.0) -> float:
    """Area dominated by the feasible points, bounded by (ref_latency_ms, ref_accuracy).

    Units: accuracy x milliseconds. Points beyond the reference contribute nothing.
    """
    front = [
        p
        for p in pareto_front(points)
        if p.latency_ms < ref_latency_ms and p.accuracy > ref_accuracy
    ]
    # The front rises in accuracy as latency grows: sum horizontal slabs, each from a
    # point's latency to the reference, as tall as the accuracy it adds over the last.
    area, level = 0.0, ref_accuracy
    for p in front:
        area += (ref_latency_ms - p.latency_ms) * (p.accuracy - level)
        level = p.accuracy
    return area


def knee_point(front: list[Point]) -> Point:
    """The frontier point farthest from the line through its two ends (normalised axes)."""
    if not front:
        raise ValueError("empty frontier")
    if len(front) <= 2:
        return max(front, key=lambda p: p.accuracy)
    a, b = front[0], front[-1]
    lat_span = (b.latency_ms - a.latency_ms) or 1.0
    acc_span = (b.accuracy - a.accuracy) or 1.0

    def distance(p: Point) -> float:
        x = (p.latency_ms - a.latency_ms) / lat_span
        y = (p.accuracy - a.accuracy) / acc_span
        return abs(y - x) / 2**0.5

    return max(front[1:-1], key=distance)
