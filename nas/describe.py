"""The layer-by-layer description of a candidate, as rows and as a JSON-ready summary."""

from __future__ import annotations

from typing import Any

from search_spaces import ArchConfig, complexity, layer_specs, params_with_bn

_LAYER_NAMES = {"conv": "Conv", "dw": "Conv dw", "pw": "Conv pw", "pool": "Avg pool", "fc": "FC"}


def describe(arch: ArchConfig, num_classes: int = 1000) -> dict[str, Any]:
    """A summary of `arch` with one row per layer, in Table 1's order.

    Conventions: `macs` counts conv and FC multiply-adds; `params` counts conv and FC
    weights (the paper's); `params_with_bn` adds BN scale/shift and the FC bias, i.e. every
    trainable parameter of `build_model`. `layers` lists the weight layers only (28 in the
    paper's network, which counts depthwise and pointwise convolutions separately); the
    pooling layer is in `table`, which the text view prints.
    """
    specs = layer_specs(arch, num_classes)
    table = [
        {
            "type": _LAYER_NAMES[s.kind],
            "kind": s.kind,
            "kernel": s.kernel,
            "stride": s.stride,
            "in_channels": s.in_channels,
            "out_channels": s.out_channels,
            "input_size": s.in_size,
            "output_size": s.out_size,
            "macs": s.macs,
            "params": s.params,
        }
        for s in specs
    ]
    macs, params = complexity(arch, num_classes)
    return {
        "arch": arch.to_dict(),
        "name": arch.name,
        "num_classes": num_classes,
        "macs": macs,
        "params": params,
        "params_with_bn": params_with_bn(arch, num_classes),
        "num_layers": sum(s.has_weights for s in specs),
        "layers": [row for row in table if row["kind"] != "pool"],
        "table": table,
    }
