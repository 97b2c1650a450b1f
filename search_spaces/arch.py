"""`ArchConfig`: one point of the MobileNet v1 family (width, resolution, depth)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

# Repeats of the five body stages in Howard et al. 2017, Table 1 (the paper's network).
PAPER_DEPTHS: tuple[int, ...] = (1, 2, 2, 6, 2)
# Section 4.2 / Table 5: "shallow" removes the five 14x14x512 blocks but one.
SHALLOW_DEPTHS: tuple[int, ...] = (1, 2, 2, 1, 2)
NUM_STAGES = len(PAPER_DEPTHS)

ChannelRounding = Literal["tf_slim", "make_divisible"]
CHANNEL_ROUNDINGS: tuple[str, ...] = ("tf_slim", "make_divisible")
MIN_CHANNELS = 8  # TF-slim's `min_depth`, also the divisor of `make_divisible`.

MAX_WIDTH_MULT = 4.0
MIN_RESOLUTION = 32  # five stride-2 layers take 32 px down to 1 px.


def make_divisible(value: float, divisor: int = MIN_CHANNELS, round_limit: float = 0.9) -> int:
    """Round a channel count to a multiple of `divisor` (timm's `layers/helpers.py`).

    Never rounds down by more than 10%, so a thin layer does not lose a tenth of its width.
    """
    new_value = max(divisor, int(value + divisor / 2) // divisor * divisor)
    if new_value < round_limit * value:
        new_value += divisor
    return new_value


def scale_channels(channels: int, width_mult: float, rounding: str = "tf_slim") -> int:
    """Apply the width multiplier to one layer's channel count.

    `tf_slim` is the rule of the reference implementation (`max(int(c * alpha), 8)`), which
    gives the paper's Table 6/7 numbers exactly; `make_divisible` rounds to multiples of 8,
    which vector units and NPUs prefer. Both agree for alpha in {1, .75, .5, .25}.
    """
    if rounding == "tf_slim":
        return max(int(channels * width_mult), MIN_CHANNELS)
    if rounding == "make_divisible":
        return make_divisible(channels * width_mult, MIN_CHANNELS)
    raise ValueError(f"channel_rounding must be one of {CHANNEL_ROUNDINGS}, got {rounding!r}")


def depths_for_multiplier(
    depth_mult: float, base: tuple[int, ...] = PAPER_DEPTHS
) -> tuple[int, ...]:
    """Scale every stage's repeats by `depth_mult`, rounding up (EfficientNet, Tan & Le 2019).

    Rounding up per stage keeps at least one block in every stage, so no resolution
    transition disappears; this is the rule of EfficientNet's `round_repeats`.
    """
    if not isinstance(depth_mult, (int, float)) or isinstance(depth_mult, bool):
        raise ValueError(f"depth_mult must be a number, got {depth_mult!r}")
    if not 0 < depth_mult <= MAX_WIDTH_MULT:
        raise ValueError(f"depth_mult must be in (0, {MAX_WIDTH_MULT}], got {depth_mult!r}")
    # The small epsilon keeps 6 * 0.5 == 3 from becoming 4 through float error.
    return tuple(max(1, math.ceil(n * depth_mult - 1e-9)) for n in base)


@dataclass(frozen=True)
class ArchConfig:
    """One MobileNet v1 candidate. Immutable and hashable, so it can key caches and tables."""

    # Width multiplier alpha (Section 3.3): every layer's channels scaled by it.
    width_mult: float = 1.0
    # Input side in pixels (Section 3.4's resolution multiplier, as a size). Any value >= 32.
    resolution: int = 224
    # Blocks in each of the five stages (64, 128, 256, 512, 1024 channels at alpha 1).
    stage_depths: tuple[int, ...] = PAPER_DEPTHS
    # How scaled channel counts are rounded: "tf_slim" (the paper's) or "make_divisible".
    channel_rounding: ChannelRounding = "tf_slim"
    # Dropout before the classifier; the paper trains with little regularisation.
    dropout: float = 0.0

    def __post_init__(self) -> None:
        w = self.width_mult
        if isinstance(w, bool) or not isinstance(w, (int, float)) or not math.isfinite(w):
            raise ValueError(f"width_mult must be a finite number, got {w!r}")
        if not 0 < w <= MAX_WIDTH_MULT:
            raise ValueError(f"width_mult must be in (0, {MAX_WIDTH_MULT}], got {w!r}")
        object.__setattr__(self, "width_mult", float(w))

        r = self.resolution
        if isinstance(r, float) and r.is_integer():
            r = int(r)
        if isinstance(r, bool) or not isinstance(r, int):
            raise ValueError(f"resolution must be an integer number of pixels, got {r!r}")
        if r < MIN_RESOLUTION:
            raise ValueError(f"resolution must be at least {MIN_RESOLUTION}, got {r!r}")
        object.__setattr__(self, "resolution", r)

        d = self.stage_depths
        if isinstance(d, (str, bytes)) or not hasattr(d, "__iter__"):
            raise ValueError(
                f"stage_depths must be a sequence of {NUM_STAGES} integers, got {d!r}"
            )
        d = tuple(d)
        if len(d) != NUM_STAGES:
            raise ValueError(
                f"stage_depths must have {NUM_STAGES} entries (one per stage), got {len(d)}: {d!r}"
            )
        for i, n in enumerate(d):
            if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                raise ValueError(f"stage_depths[{i}] must be an integer >= 1, got {n!r} in {d!r}")
        object.__setattr__(self, "stage_depths", d)

        if self.channel_rounding not in CHANNEL_ROUNDINGS:
            raise ValueError(
                f"channel_rounding must be one of {CHANNEL_ROUNDINGS}, "
                f"got {self.channel_rounding!r}"
            )

        p = self.dropout
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p < 1:
            raise ValueError(f"dropout must be a number in [0, 1), got {p!r}")
        object.__setattr__(self, "dropout", float(p))

    @classmethod
    def from_multipliers(
        cls,
        *,
        width_mult: float = 1.0,
        resolution: int = 224,
        depth_mult: float = 1.0,
        channel_rounding: ChannelRounding = "tf_slim",
        dropout: float = 0.0,
    ) -> ArchConfig:
        """Build a config with EfficientNet-style depth scaling resolved into `stage_depths`."""
        return cls(
            width_mult=width_mult,
            resolution=resolution,
            stage_depths=depths_for_multiplier(depth_mult),
            channel_rounding=channel_rounding,
            dropout=dropout,
        )

    def channels(self, base_channels: int) -> int:
        """Channels of a layer that has `base_channels` at width 1.0."""
        return scale_channels(base_channels, self.width_mult, self.channel_rounding)

    @property
    def name(self) -> str:
        """A short, stable label, e.g. `mbv1-w0.75-r160-d1.2.2.6.2`."""
        depths = ".".join(str(n) for n in self.stage_depths)
        tag = "" if self.channel_rounding == "tf_slim" else "-div8"
        return f"mbv1-w{self.width_mult:g}-r{self.resolution}-d{depths}{tag}"

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-safe dict (lists, not tuples); `from_dict` inverts it exactly."""
        out = asdict(self)
        out["stage_depths"] = list(self.stage_depths)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ArchConfig:
        """Inverse of `to_dict`. Unknown keys are errors; `depth_mult` may replace depths."""
        if not isinstance(data, dict):
            raise ValueError(
                f"an ArchConfig must be read from a mapping, got {type(data).__name__}"
            )
        data = dict(data)
        known = {f.name for f in fields(cls)}
        if "depth_mult" in data:
            if "stage_depths" in data:
                raise ValueError("give either stage_depths or depth_mult, not both")
            data["stage_depths"] = depths_for_multiplier(data.pop("depth_mult"))
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(
                f"unknown ArchConfig key(s) {unknown}; expected some of {sorted(known)}"
            )
        return cls(**data)
