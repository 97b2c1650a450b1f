"""The device fingerprint stored with every latency number."""

from __future__ import annotations

import os
import platform
from typing import Any

from nas.latency.config import MeasureConfig

# Fields that must agree for two numbers to be comparable.
COMPARED = (
    "cpu",
    "machine",
    "backend",
    "backend_version",
    "device",
    "threads",
    "batch_size",
    "dtype",
)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def backend_version(backend: str) -> str:
    if backend == "onnxruntime":
        import onnxruntime

        return f"onnxruntime {onnxruntime.__version__}"
    import torch

    return f"torch {torch.__version__}"


def device_fingerprint(cfg: MeasureConfig) -> dict[str, Any]:
    """What a latency depends on: CPU (or GPU) model, threads, backend and version, batch."""
    device_name = cpu_model()
    if cfg.device == "cuda":
        import torch

        device_name = torch.cuda.get_device_name()
    return {
        "cpu": device_name,
        "machine": platform.machine(),
        "cores_available": os.cpu_count(),
        "threads": cfg.threads,
        "backend": cfg.backend,
        "backend_version": backend_version(cfg.backend),
        "device": cfg.device,
        "batch_size": cfg.batch_size,
        "dtype": "float32",
        "memory_format": "channels_last",
    }


def fingerprint_differences(a: dict[str, Any], b: dict[str, Any]) -> dict[str, tuple]:
    """Compared fields on which `a` and `b` disagree: {field: (a's, b's)}."""
    return {k: (a.get(k), b.get(k)) for k in COMPARED if a.get(k) != b.get(k)}
