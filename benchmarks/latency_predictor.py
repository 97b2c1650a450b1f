"""Lookup-table predictor against measurement, on random candidates of the default space.

    .venv/bin/python benchmarks/latency_predictor.py [--samples 30 --threads 1]

Builds a table for the default search space on this machine (every distinct layer measured
once, calibration on whole networks), then measures 30 random candidates and prints MAPE,
the share within +-10%, Spearman rank correlation, the measurements' own noise, and the time
per prediction against the time per measurement. Targets: MAPE <= 5%, >= 90% within +-10%,
Spearman >= 0.95, prediction >= 1,000x faster.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import print_result
from nas.latency import MeasureConfig, build_lut, check_table
from search_spaces import SearchSpace


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--samples", type=int, default=30)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--classes", type=int, default=1000)
    p.add_argument("--calibration-samples", type=int, default=10)
    args = p.parse_args()
    space = SearchSpace()
    cfg = MeasureConfig(threads=args.threads)
    t = time.perf_counter()
    table = build_lut(space, args.classes, cfg, calibration_samples=args.calibration_samples)
    build_s = time.perf_counter() - t
    report = check_table(table, space, args.samples, seed=1)
    print_result(
        "latency_predictor",
        samples=args.samples,
        threads=args.threads,
        layers=len(table.layers),
        lut_build_s=round(build_s, 1),
        mape_pct=round(report.mape, 2),
        within_10pct=round(report.within_10pct, 3),
        spearman=round(report.spearman, 4),
        measurement_noise_pct=round(report.measurement_noise, 2),
        predict_us=round(report.predict_us, 1),
        measure_ms=round(report.measure_ms, 1),
        speedup=round(report.speedup),
        calibration_slope=round(table.calibration.slope, 3),
        calibration_intercept_ms=round(table.calibration.intercept, 3),
        targets={"mape_pct": 5, "within_10pct": 0.9, "spearman": 0.95, "speedup": 1000},
    )


if __name__ == "__main__":
    main()
