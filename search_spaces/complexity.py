"""Exact mult-adds and parameter counts, from the same layer specs the builder uses."""

from __future__ import annotations

from typing import NamedTuple

from search_spaces.arch import ArchConfig
from search_spaces.layers import layer_specs


class Complexity(NamedTuple):
    """The paper's convention (Section 3.2, Tables 2-8).

    macs: multiply-adds of convolutions and the FC layer (BN, ReLU, pooling not counted).
    params: conv and FC weights (no BN scale/shift, no FC bias), the paper's 'parameters'.
    """

    macs: int
    params: int


def complexity(arch: ArchConfig, num_classes: int = 1000) -> Complexity:
    """Mult-adds and parameters of `arch`, analytically; equals a FLOP counter's count / 2."""
    specs = layer_specs(arch, num_classes)
    return Complexity(sum(s.macs for s in specs), sum(s.params for s in specs))


def params_with_bn(arch: ArchConfig, num_classes: int = 1000) -> int:
    """All trainable parameters of the built model: weights, BN scale/shift and FC bias."""
    return sum(s.params + s.extra_params for s in layer_specs(arch, num_classes))
