"""The MobileNet v1 layer table and the per-layer specs every other part derives from.

This module holds the only copy of the network's shape. The builder (`model.py`), the
analytic complexity (`complexity.py`), the latency lookup table and export all enumerate
`layer_specs(arch, num_classes)`; none of them lists layers again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from search_spaces.arch import ArchConfig

# Howard et al. 2017, arXiv:1704.04861, Table 1, written as stages of repeated
# depthwise-separable blocks. Columns: c = output channels at width 1.0, n = repeats at the
# paper's depth, s = stride of the first block's depthwise conv (the rest use stride 1).
# Table 1 prints s2 for the last depthwise layer; it is s1 (the output stays 7x7).
#        c,    n, s
STAGES: tuple[tuple[int, int, int], ...] = (
    (64, 1, 1),
    (128, 2, 2),
    (256, 2, 2),
    (512, 6, 2),
    (1024, 2, 2),
)
STEM_CHANNELS = 32  # full 3x3 convolution, stride 2, from RGB
STEM_STRIDE = 2
IN_CHANNELS = 3

LayerKind = Literal["conv", "dw", "pw", "pool", "fc"]


def conv_out_size(size: int, stride: int) -> int:
    """Spatial size after a 3x3/pad-1 or 1x1/pad-0 convolution: ceil(size / stride)."""
    return (size - 1) // stride + 1


@dataclass(frozen=True)
class LayerSpec:
    """One layer of a built candidate, with its shapes; hashable, so it keys latency tables.

    `in_size`/`out_size` are the square feature-map sides. For `fc`, channels are features.
    """

    kind: LayerKind
    in_channels: int
    out_channels: int
    kernel: int
    stride: int
    in_size: int
    out_size: int

    @property
    def groups(self) -> int:
        return self.in_channels if self.kind == "dw" else 1

    @property
    def macs(self) -> int:
        """Multiply-adds in the paper's convention: conv and FC only (Section 3.2)."""
        if self.kind == "pool":
            return 0
        if self.kind == "fc":
            return self.in_channels * self.out_channels
        per_output = (self.in_channels // self.groups) * self.kernel * self.kernel
        return self.out_size * self.out_size * self.out_channels * per_output

    @property
    def params(self) -> int:
        """Conv and FC weights only: the convention of the paper's 'Million Parameters'."""
        if self.kind == "pool":
            return 0
        if self.kind == "fc":
            return self.in_channels * self.out_channels
        return self.out_channels * (self.in_channels // self.groups) * self.kernel * self.kernel

    @property
    def extra_params(self) -> int:
        """Trainable parameters beyond `params`: BN scale and shift per conv, the FC bias."""
        if self.kind == "pool":
            return 0
        if self.kind == "fc":
            return self.out_channels
        return 2 * self.out_channels

    @property
    def has_weights(self) -> bool:
        return self.kind != "pool"


def layer_specs(arch: ArchConfig, num_classes: int = 1000) -> list[LayerSpec]:
    """Every layer of the candidate, in order: stem, (dw, pw) per block, pool, classifier."""
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"num_classes must be a positive integer, got {num_classes!r}")
    specs: list[LayerSpec] = []
    size = arch.resolution
    channels = arch.channels(STEM_CHANNELS)
    out = conv_out_size(size, STEM_STRIDE)
    specs.append(LayerSpec("conv", IN_CHANNELS, channels, 3, STEM_STRIDE, size, out))
    size = out
    for (c, _, s), depth in zip(STAGES, arch.stage_depths, strict=True):
        out_channels = arch.channels(c)
        for i in range(depth):
            stride = s if i == 0 else 1
            out = conv_out_size(size, stride)
            specs.append(LayerSpec("dw", channels, channels, 3, stride, size, out))
            specs.append(LayerSpec("pw", channels, out_channels, 1, 1, out, out))
            channels, size = out_channels, out
    specs.append(LayerSpec("pool", channels, channels, size, 1, size, 1))
    specs.append(LayerSpec("fc", channels, num_classes, 1, 1, 1, 1))
    return specs
