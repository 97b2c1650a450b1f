"""Per-device latency lookup tables: measure every distinct layer once, predict by summing.

A plain sum of isolated layer latencies is biased (cross-layer effects: caches, allocator,
framework overhead per call), so the sum is calibrated with a line fitted on a handful of
whole-network measurements: predicted = slope * sum + intercept. Prediction needs only the
`ArchConfig`: it walks the same layer table the builder uses and never builds a model.
"""

from __future__ import annotations

import json
import random
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from nas.latency.config import MeasureConfig
from nas.latency.fingerprint import device_fingerprint, fingerprint_differences
from search_spaces import ArchConfig, LayerSpec, SearchSpace, layer_specs

LUT_FORMAT = 1
ProgressFn = Callable[[int, int], None]


class FingerprintMismatch(ValueError):
    """A table measured on another device or setup is being used here."""


def _key(spec: LayerSpec) -> str:
    return (
        f"{spec.kind}:{spec.in_channels}:{spec.out_channels}:{spec.kernel}:{spec.stride}:"
        f"{spec.in_size}"
    )


@dataclass
class Calibration:
    slope: float = 1.0
    intercept: float = 0.0
    # (layer sum, measured) pairs the line was fitted on, and the fit's R^2.
    points: list[tuple[float, float]] = field(default_factory=list)
    r2: float | None = None


def fit_line(points: list[tuple[float, float]]) -> Calibration:
    """Least-squares line through (x, y) points; slope 1 and the mean offset for one point."""
    if not points:
        return Calibration()
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    n = len(points)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if n < 2 or sxx == 0:
        return Calibration(1.0, my - mx, list(points), None)
    slope = sum((x - mx) * (y - my) for x, y in points) / sxx
    intercept = my - slope * mx
    ss_res = sum((y - (slope * x + intercept)) ** 2 for x, y in points)
    ss_tot = sum((y - my) ** 2 for y in ys)
    r2 = 1 - ss_res / ss_tot if ss_tot > 0 else 1.0
    return Calibration(slope, intercept, list(points), r2)


@dataclass
class LatencyTable:
    """Layer latencies (median ms) for one device fingerprint, plus the calibration line."""

    fingerprint: dict[str, Any]
    measure: MeasureConfig
    num_classes: int
    layers: dict[str, float]
    calibration: Calibration = field(default_factory=Calibration)
    space: dict[str, Any] | None = None

    def __contains__(self, spec: LayerSpec) -> bool:
        return _key(spec) in self.layers

    def layer_sum_ms(self, arch: ArchConfig) -> float:
        total = 0.0
        for spec in layer_specs(arch, self.num_classes):
            key = _key(spec)
            try:
                total += self.layers[key]
            except KeyError:
                raise KeyError(
                    f"layer {key} of {arch.name} is not in this table (built for another "
                    "space or class count): rebuild it with `nas latency build-lut`"
                ) from None
        return total

    def predict_ms(self, arch: ArchConfig) -> float:
        """Calibrated latency of `arch` in milliseconds; never builds a model."""
        c = self.calibration
        return max(0.0, c.slope * self.layer_sum_ms(arch) + c.intercept)

    def check_fingerprint(
        self, current: dict[str, Any], on_mismatch: Literal["error", "warn"] = "error"
    ) -> dict[str, tuple]:
        """Compare the table's device with `current`; raise or warn on any difference."""
        diff = fingerprint_differences(self.fingerprint, current)
        if diff:
            text = "; ".join(f"{k}: table {a!r} vs here {b!r}" for k, (a, b) in diff.items())
            message = f"latency table was measured on another setup ({text})"
            if on_mismatch == "error":
                raise FingerprintMismatch(message + "; set on_mismatch='warn' to use it anyway")
            warnings.warn(message, stacklevel=2)
        return diff

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": LUT_FORMAT,
            "fingerprint": self.fingerprint,
            "measure": self.measure.to_dict(),
            "num_classes": self.num_classes,
            "space": self.space,
            "calibration": asdict(self.calibration),
            "layers": self.layers,
        }

    def save(self, path: Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=1))
        return path

    @classmethod
    def load(cls, path: Path) -> LatencyTable:
        path = Path(path)
        try:
            data = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as err:
            raise ValueError(f"cannot read latency table {path}: {err}") from None
        if not isinstance(data, dict) or data.get("format") != LUT_FORMAT:
            raise ValueError(f"{path} is not a latency table (format {LUT_FORMAT})")
        try:
            cal = data["calibration"]
            return cls(
                fingerprint=data["fingerprint"],
                measure=MeasureConfig.from_dict(data["measure"]),
                num_classes=int(data["num_classes"]),
                layers={str(k): float(v) for k, v in data["layers"].items()},
                calibration=Calibration(
                    cal["slope"], cal["intercept"], [tuple(p) for p in cal["points"]], cal["r2"]
                ),
                space=data.get("space"),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise ValueError(f"latency table {path} is malformed: {err}") from None


def build_lut(
    space: SearchSpace,
    num_classes: int,
    cfg: MeasureConfig,
    *,
    calibration_samples: int = 8,
    layer_cfg: MeasureConfig | None = None,
    seed: int = 0,
    progress: ProgressFn | None = None,
) -> LatencyTable:
    """Measure every distinct layer of `space`, then fit the calibration on whole networks.

    Args:
        space: the search space whose layers are measured.
        num_classes: classifier width (the FC layer's latency depends on it).
        cfg: measurement settings for whole networks (and the table's fingerprint).
        calibration_samples: random candidates measured whole to fit the calibration line.
        layer_cfg: settings for single layers (default: `cfg` with shorter minimums).
        progress: called with (done, total) measurements.
    """
    from nas.latency.measure import measure_arch, measure_module
    from search_spaces import build_layer

    if calibration_samples < 0:
        raise ValueError(f"calibration_samples must be >= 0, got {calibration_samples}")
    layer_cfg = layer_cfg or MeasureConfig(
        **{**cfg.to_dict(), "min_repeats": 15, "min_seconds": 0.05, "warmup": 5}
    )
    specs = space.distinct_layers(num_classes)
    total = len(specs) + calibration_samples
    layers: dict[str, float] = {}
    for i, spec in enumerate(specs):
        shape = (cfg.batch_size, spec.in_channels, spec.in_size, spec.in_size)
        if spec.kind == "fc":
            shape = (cfg.batch_size, spec.in_channels)
        layers[_key(spec)] = measure_module(build_layer(spec), shape, layer_cfg).median_ms
        if progress:
            progress(i + 1, total)
    table = LatencyTable(
        fingerprint=device_fingerprint(cfg),
        measure=cfg,
        num_classes=num_classes,
        layers=layers,
        space=space.to_dict(),
    )
    rng = random.Random(seed)
    points = []
    for j in range(calibration_samples):
        arch = space.sample(rng)
        measured = measure_arch(arch, num_classes, cfg).median_ms
        points.append((table.layer_sum_ms(arch), measured))
        if progress:
            progress(len(specs) + j + 1, total)
    table.calibration = fit_line(points)
    return table
