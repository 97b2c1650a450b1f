"""Latency on the target: measurement, device fingerprints, per-device lookup tables."""

from __future__ import annotations

from nas.latency.check import CheckReport, check_table, spearman
from nas.latency.config import MeasureConfig
from nas.latency.fingerprint import device_fingerprint
from nas.latency.lut import FingerprintMismatch, LatencyTable, build_lut, fit_line
from nas.latency.measure import LatencyStats, measure_arch, measure_module

__all__ = [
    "CheckReport",
    "FingerprintMismatch",
    "LatencyStats",
    "LatencyTable",
    "MeasureConfig",
    "build_lut",
    "check_table",
    "device_fingerprint",
    "fit_line",
    "measure_arch",
    "measure_module",
    "spearman",
]
