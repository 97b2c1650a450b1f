"""ONNX export shared by the ONNX Runtime latency backend and `nas export`."""

from __future__ import annotations

import warnings
from pathlib import Path


def export_onnx(module, example, path: Path, *, dynamic_batch: bool = False) -> Path:
    """Export `module` traced on `example` to `path` (opset 18, input `input`, output `logits`)."""
    import torch

    module = module.eval()
    dynamic_axes = {"input": {0: "batch"}, "logits": {0: "batch"}} if dynamic_batch else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            (example,),
            str(path),
            input_names=["input"],
            output_names=["logits"],
            dynamic_axes=dynamic_axes,
            opset_version=18,
            dynamo=False,
        )
    return Path(path)
