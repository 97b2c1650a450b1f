"""How good a lookup table's predictions are on this machine: error against measurement."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from nas.latency.lut import LatencyTable
from nas.latency.measure import measure_arch
from search_spaces import SearchSpace


def ranks(values: list[float]) -> list[float]:
    """1-based ranks, ties sharing their average rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return out


def spearman(a: list[float], b: list[float]) -> float:
    """Spearman's rank correlation (Pearson on ranks, so ties are handled)."""
    if len(a) != len(b) or len(a) < 2:
        raise ValueError("spearman needs two equally long lists of at least 2 values")
    ra, rb = ranks(a), ranks(b)
    n = len(a)
    ma, mb = sum(ra) / n, sum(rb) / n
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb, strict=True))
    va = sum((x - ma) ** 2 for x in ra) ** 0.5
    vb = sum((y - mb) ** 2 for y in rb) ** 0.5
    return cov / (va * vb) if va and vb else 0.0


@dataclass
class CheckReport:
    samples: int
    mape: float  # mean absolute percentage error, in percent
    within_10pct: float  # share of candidates predicted within +-10%
    spearman: float
    measurement_noise: float  # median relative IQR of the measurements, in percent
    predict_us: float  # mean time per prediction
    measure_ms: float  # mean wall time per measurement (what a prediction replaces)
    rows: list[dict[str, Any]]

    @property
    def speedup(self) -> float:
        return self.measure_ms * 1e3 / self.predict_us if self.predict_us else float("inf")

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "speedup": self.speedup}


def check_table(
    table: LatencyTable,
    space: SearchSpace,
    samples: int = 30,
    *,
    seed: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> CheckReport:
    """Measure `samples` random candidates of `space` and compare with the predictions."""
    if samples < 2:
        raise ValueError(f"samples must be >= 2, got {samples}")
    rng = random.Random(seed)
    archs = [space.sample(rng) for _ in range(samples)]
    start = time.perf_counter()
    repeats = 20
    for _ in range(repeats):
        predicted = [table.predict_ms(a) for a in archs]
    predict_us = (time.perf_counter() - start) / (repeats * samples) * 1e6
    rows, measure_seconds = [], 0.0
    for i, arch in enumerate(archs):
        t0 = time.perf_counter()
        stats = measure_arch(arch, table.num_classes, table.measure)
        measure_seconds += time.perf_counter() - t0
        err = (predicted[i] - stats.median_ms) / stats.median_ms * 100
        rows.append(
            {
                "arch": arch.name,
                "predicted_ms": predicted[i],
                "measured_ms": stats.median_ms,
                "p10_ms": stats.p10_ms,
                "p90_ms": stats.p90_ms,
                "error_pct": err,
                "relative_iqr_pct": stats.relative_iqr * 100,
            }
        )
        if progress:
            progress(i + 1, samples)
    errors = [abs(r["error_pct"]) for r in rows]
    noise = sorted(r["relative_iqr_pct"] for r in rows)[len(rows) // 2]
    return CheckReport(
        samples=samples,
        mape=sum(errors) / len(errors),
        within_10pct=sum(e <= 10 for e in errors) / len(errors),
        spearman=spearman([r["predicted_ms"] for r in rows], [r["measured_ms"] for r in rows]),
        measurement_noise=noise,
        predict_us=predict_us,
        measure_ms=measure_seconds / samples * 1e3,
        rows=rows,
    )
