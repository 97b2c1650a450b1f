"""The one builder: turns `layer_specs` into a `torch.nn.Module`."""

from __future__ import annotations

import torch
from torch import nn

from search_spaces.arch import ArchConfig
from search_spaces.layers import LayerSpec, layer_specs


class ConvBNReLU(nn.Sequential):
    """Conv, then BN and ReLU: every convolution of the paper is followed by both (Fig. 3)."""

    def __init__(self, spec: LayerSpec) -> None:
        super().__init__(
            nn.Conv2d(
                spec.in_channels,
                spec.out_channels,
                spec.kernel,
                stride=spec.stride,
                padding=spec.kernel // 2,
                groups=spec.groups,
                bias=False,
            ),
            nn.BatchNorm2d(spec.out_channels),
            nn.ReLU(inplace=True),
        )


class Classifier(nn.Sequential):
    """Global average pool, dropout and the fully connected layer."""

    def __init__(self, spec: LayerSpec, dropout: float) -> None:
        super().__init__(
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(1),
            nn.Dropout(dropout),
            nn.Linear(spec.in_channels, spec.out_channels),
        )


def build_layer(spec: LayerSpec, dropout: float = 0.0) -> nn.Module:
    """The module for one spec: also used alone, to time single layers for latency tables."""
    if spec.kind in ("conv", "dw", "pw"):
        return ConvBNReLU(spec)
    if spec.kind == "pool":
        return nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(1))
    if spec.kind == "fc":
        return nn.Sequential(nn.Dropout(dropout), nn.Linear(spec.in_channels, spec.out_channels))
    raise ValueError(f"unknown layer kind {spec.kind!r}")


class MobileNetV1(nn.Module):
    """MobileNet v1 (Howard et al. 2017) for one `ArchConfig`.

    `features` holds the stem and the depthwise-separable layers, `classifier` the pool,
    dropout and FC. Works at any resolution >= 32 (strided convs round sizes up).
    """

    def __init__(self, arch: ArchConfig, num_classes: int = 1000) -> None:
        super().__init__()
        self.arch = arch
        self.num_classes = num_classes
        specs = layer_specs(arch, num_classes)
        conv_specs = [s for s in specs if s.kind in ("conv", "dw", "pw")]
        fc_spec = specs[-1]
        self.features = nn.Sequential(*(ConvBNReLU(s) for s in conv_specs))
        self.classifier = Classifier(fc_spec, arch.dropout)
        self.num_features = fc_spec.in_channels
        self.reset_parameters()

    def reset_parameters(self) -> None:
        # torchvision's MobileNet initialisation: He (fan-out) for convs, small normal for FC.
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01)
                nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


def build_model(arch: ArchConfig, num_classes: int = 1000) -> MobileNetV1:
    """Build the candidate described by `arch` with a `num_classes`-way classifier."""
    if not isinstance(arch, ArchConfig):
        raise ValueError(f"build_model needs an ArchConfig, got {type(arch).__name__}")
    return MobileNetV1(arch, num_classes)
