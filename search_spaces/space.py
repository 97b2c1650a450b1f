"""The search space: which widths, resolutions and depths a search may pick.

Pure data plus `suggest`, which asks an Optuna trial (or anything with the same
`suggest_categorical` / `suggest_int` methods) for one `ArchConfig`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Protocol

from search_spaces.arch import (
    CHANNEL_ROUNDINGS,
    NUM_STAGES,
    ArchConfig,
    depths_for_multiplier,
)
from search_spaces.layers import LayerSpec, layer_specs


class TrialLike(Protocol):
    def suggest_categorical(self, name: str, choices: Any) -> Any: ...
    def suggest_int(self, name: str, low: int, high: int) -> int: ...


def _choices(value: Any, name: str, kind: type) -> tuple:
    """A list, a single value, or {low, high, step} -> a sorted tuple of distinct values."""
    if isinstance(value, dict):
        unknown = set(value) - {"low", "high", "step"}
        if unknown or not {"low", "high", "step"} <= set(value):
            raise ValueError(f"{name} as a range needs exactly low, high and step, got {value!r}")
        low, high, step = value["low"], value["high"], value["step"]
        if not (isinstance(step, (int, float)) and step > 0 and low <= high):
            raise ValueError(f"{name}: need step > 0 and low <= high, got {value!r}")
        n = round((high - low) / step)
        values = [low + i * step for i in range(n + 1) if low + i * step <= high + 1e-9]
        values = [round(v, 6) for v in values]
    elif isinstance(value, (list, tuple)):
        values = list(value)
    else:
        values = [value]
    if not values:
        raise ValueError(f"{name} has no values")
    out = []
    for v in values:
        if kind is int:
            if isinstance(v, float) and v.is_integer():
                v = int(v)
            if isinstance(v, bool) or not isinstance(v, int):
                raise ValueError(f"{name} values must be integers, got {v!r}")
        elif isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ValueError(f"{name} values must be numbers, got {v!r}")
        out.append(kind(v))
    return tuple(sorted(set(out)))


@dataclass(frozen=True)
class SearchSpace:
    """Choices for each dimension of the MobileNet v1 family."""

    # Width multipliers to choose from.
    widths: tuple[float, ...] = (0.25, 0.35, 0.5, 0.75, 1.0)
    # Input resolutions to choose from.
    resolutions: tuple[int, ...] = (96, 128, 160, 192, 224)
    # Per stage, the (min, max) number of blocks. Ignored when `depth_mults` is set.
    stage_depth_ranges: tuple[tuple[int, int], ...] = ((1, 1), (1, 2), (1, 2), (1, 6), (1, 2))
    # EfficientNet-style depth multipliers instead of per-stage ranges (None: use ranges).
    depth_mults: tuple[float, ...] | None = None
    channel_rounding: str = "tf_slim"

    def __post_init__(self) -> None:
        object.__setattr__(self, "widths", _choices(self.widths, "widths", float))
        object.__setattr__(self, "resolutions", _choices(self.resolutions, "resolutions", int))
        ranges = tuple(tuple(r) for r in self.stage_depth_ranges)
        if len(ranges) != NUM_STAGES or any(len(r) != 2 for r in ranges):
            raise ValueError(
                f"stage_depth_ranges must be {NUM_STAGES} (min, max) pairs, got {ranges!r}"
            )
        for i, (lo, hi) in enumerate(ranges):
            if not (isinstance(lo, int) and isinstance(hi, int) and 1 <= lo <= hi):
                raise ValueError(
                    f"stage_depth_ranges[{i}] must satisfy 1 <= min <= max, got {(lo, hi)!r}"
                )
        object.__setattr__(self, "stage_depth_ranges", ranges)
        if self.depth_mults is not None:
            mults = _choices(self.depth_mults, "depth_mults", float)
            for m in mults:
                depths_for_multiplier(m)  # validates
            object.__setattr__(self, "depth_mults", mults)
        if self.channel_rounding not in CHANNEL_ROUNDINGS:
            raise ValueError(
                f"channel_rounding must be one of {CHANNEL_ROUNDINGS}, "
                f"got {self.channel_rounding!r}"
            )
        for w in self.widths:
            ArchConfig(width_mult=w)
        for r in self.resolutions:
            ArchConfig(resolution=r)

    @property
    def max_resolution(self) -> int:
        return max(self.resolutions)

    def depth_options(self) -> list[tuple[int, ...]]:
        """Every distinct `stage_depths` the space allows (small: a product of ranges)."""
        if self.depth_mults is not None:
            return sorted({depths_for_multiplier(m) for m in self.depth_mults})
        out: list[tuple[int, ...]] = [()]
        for lo, hi in self.stage_depth_ranges:
            out = [(*d, n) for d in out for n in range(lo, hi + 1)]
        return out

    @property
    def size(self) -> int:
        return len(self.widths) * len(self.resolutions) * len(self.depth_options())

    def suggest(self, trial: TrialLike) -> ArchConfig:
        """Ask `trial` for one candidate. Parameter names are stable across versions."""
        width = trial.suggest_categorical("width_mult", list(self.widths))
        resolution = trial.suggest_categorical("resolution", list(self.resolutions))
        if self.depth_mults is not None:
            mult = trial.suggest_categorical("depth_mult", list(self.depth_mults))
            depths = depths_for_multiplier(mult)
        else:
            depths = tuple(
                trial.suggest_int(f"depth_{i}", lo, hi) if lo < hi else lo
                for i, (lo, hi) in enumerate(self.stage_depth_ranges)
            )
        return ArchConfig(
            width_mult=width,
            resolution=resolution,
            stage_depths=depths,
            channel_rounding=self.channel_rounding,
        )

    def grid(self) -> dict[str, list]:
        """The space as Optuna's GridSampler wants it (same names as `suggest`)."""
        grid: dict[str, list] = {
            "width_mult": list(self.widths),
            "resolution": list(self.resolutions),
        }
        if self.depth_mults is not None:
            grid["depth_mult"] = list(self.depth_mults)
        else:
            for i, (lo, hi) in enumerate(self.stage_depth_ranges):
                if lo < hi:
                    grid[f"depth_{i}"] = list(range(lo, hi + 1))
        return grid

    def sample(self, rng: random.Random) -> ArchConfig:
        """One uniformly drawn candidate (for latency checks and random baselines)."""
        return ArchConfig(
            width_mult=rng.choice(self.widths),
            resolution=rng.choice(self.resolutions),
            stage_depths=rng.choice(self.depth_options()),
            channel_rounding=self.channel_rounding,
        )

    def distinct_layers(self, num_classes: int) -> list[LayerSpec]:
        """Every distinct layer any candidate can contain, from the one layer table.

        Repeated blocks of a stage are identical layers, so the deepest network of each
        (width, resolution) pair holds every layer that pair can produce.
        """
        deepest = tuple(max(d[i] for d in self.depth_options()) for i in range(NUM_STAGES))
        seen: dict[LayerSpec, None] = {}
        for w in self.widths:
            for r in self.resolutions:
                arch = ArchConfig(
                    width_mult=w,
                    resolution=r,
                    stage_depths=deepest,
                    channel_rounding=self.channel_rounding,
                )
                for spec in layer_specs(arch, num_classes):
                    seen.setdefault(spec, None)
        return list(seen)

    def to_dict(self) -> dict[str, Any]:
        return {
            "widths": list(self.widths),
            "resolutions": list(self.resolutions),
            "stage_depth_ranges": [list(r) for r in self.stage_depth_ranges],
            "depth_mults": list(self.depth_mults) if self.depth_mults is not None else None,
            "channel_rounding": self.channel_rounding,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SearchSpace:
        known = {"widths", "resolutions", "stage_depth_ranges", "depth_mults", "channel_rounding"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(
                f"unknown search space key(s) {unknown}; expected some of {sorted(known)}"
            )
        return cls(**data)
