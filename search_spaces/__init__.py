"""MobileNet v1 (Howard et al. 2017) as a family over width, resolution and block depth."""

from __future__ import annotations

from search_spaces.arch import (
    CHANNEL_ROUNDINGS,
    PAPER_DEPTHS,
    SHALLOW_DEPTHS,
    ArchConfig,
    depths_for_multiplier,
    make_divisible,
    scale_channels,
)
from search_spaces.complexity import Complexity, complexity, params_with_bn
from search_spaces.layers import STAGES, LayerSpec, layer_specs
from search_spaces.space import SearchSpace

__all__ = [
    "CHANNEL_ROUNDINGS",
    "PAPER_DEPTHS",
    "SHALLOW_DEPTHS",
    "STAGES",
    "ArchConfig",
    "Complexity",
    "LayerSpec",
    "SearchSpace",
    "build_model",
    "complexity",
    "depths_for_multiplier",
    "layer_specs",
    "make_divisible",
    "params_with_bn",
    "scale_channels",
]


def __getattr__(name: str):
    # torch is imported only when a model is built, so configs and counts stay fast to import.
    if name in ("build_model", "MobileNetV1", "build_layer"):
        from search_spaces import model

        return getattr(model, name)
    raise AttributeError(f"module 'search_spaces' has no attribute {name!r}")
