"""Measuring latency on this machine: warm-up, then repeats until enough samples and time."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from nas.latency.config import MeasureConfig
from nas.latency.fingerprint import device_fingerprint
from search_spaces import ArchConfig


@dataclass(frozen=True)
class LatencyStats:
    """Milliseconds per forward pass of one batch."""

    median_ms: float
    p10_ms: float
    p90_ms: float
    iqr_ms: float
    mean_ms: float
    samples: int
    fingerprint: dict[str, Any]

    @property
    def relative_iqr(self) -> float:
        return self.iqr_ms / self.median_ms if self.median_ms > 0 else float("inf")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _quantile(sorted_values: list[float], q: float) -> float:
    if len(sorted_values) == 1:
        return sorted_values[0]
    pos = q * (len(sorted_values) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def summarise(samples_ms: list[float], fingerprint: dict[str, Any]) -> LatencyStats:
    if not samples_ms:
        raise ValueError("no latency samples")
    s = sorted(samples_ms)
    return LatencyStats(
        median_ms=statistics.median(s),
        p10_ms=_quantile(s, 0.10),
        p90_ms=_quantile(s, 0.90),
        iqr_ms=_quantile(s, 0.75) - _quantile(s, 0.25),
        mean_ms=statistics.fmean(s),
        samples=len(s),
        fingerprint=fingerprint,
    )


def time_callable(run: Callable[[], Any], cfg: MeasureConfig, sync=None) -> list[float]:
    """Per-call milliseconds of `run` under `cfg`'s warm-up and stopping rules.

    Calls much shorter than a millisecond are timed in groups (one sample = the mean of the
    group) so the timer's own cost and resolution do not dominate.
    """
    for _ in range(cfg.warmup):
        run()
    if sync:
        sync()
    # Size a group so that one sample lasts about a millisecond.
    t0 = time.perf_counter()
    run()
    if sync:
        sync()
    single = time.perf_counter() - t0
    group = max(1, min(100, int(1e-3 / max(single, 1e-7))))
    samples: list[float] = []
    start = time.perf_counter()
    while True:
        t0 = time.perf_counter()
        for _ in range(group):
            run()
        if sync:
            sync()
        samples.append((time.perf_counter() - t0) * 1e3 / group)
        elapsed = time.perf_counter() - start
        enough = len(samples) >= cfg.min_repeats and elapsed >= cfg.min_seconds
        if enough or elapsed >= cfg.max_seconds:
            return samples


class _Threads:
    """Sets torch's intra-op thread count for the block, then restores it."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __enter__(self) -> None:
        import torch

        self.previous = torch.get_num_threads()
        torch.set_num_threads(self.n)

    def __exit__(self, *exc) -> None:
        import torch

        torch.set_num_threads(self.previous)


def measure_module(module, input_shape: tuple[int, ...], cfg: MeasureConfig) -> LatencyStats:
    """Latency of `module` on a random input of `input_shape` (batch first)."""
    import torch

    fingerprint = device_fingerprint(cfg)
    module = module.eval()
    x = torch.randn(*input_shape)
    if x.dim() == 4:
        x = x.contiguous(memory_format=torch.channels_last)
        module = module.to(memory_format=torch.channels_last)
    if cfg.backend == "onnxruntime":
        return summarise(_time_onnxruntime(module, x, cfg), fingerprint)
    device = torch.device(cfg.device)
    module, x = module.to(device), x.to(device)
    sync = torch.cuda.synchronize if device.type == "cuda" else None
    with _Threads(cfg.threads), torch.inference_mode():
        samples = time_callable(lambda: module(x), cfg, sync)
    return summarise(samples, fingerprint)


def _time_onnxruntime(module, x, cfg: MeasureConfig) -> list[float]:
    try:
        import onnxruntime as ort
    except ImportError:  # pragma: no cover - in the dev extra
        raise ValueError("the onnxruntime backend needs: pip install 'mbv1-nas[onnx]'") from None
    from nas.export_onnx import export_onnx

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.onnx"
        export_onnx(module, x, path)
        options = ort.SessionOptions()
        options.intra_op_num_threads = cfg.threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    feed = {session.get_inputs()[0].name: x.contiguous().numpy()}
    return time_callable(lambda: session.run(None, feed), cfg)


def measure_arch(arch: ArchConfig, num_classes: int, cfg: MeasureConfig) -> LatencyStats:
    """Latency of the candidate `arch` built with a `num_classes`-way classifier."""
    from search_spaces import build_model

    model = build_model(arch, num_classes)
    return measure_module(model, (cfg.batch_size, 3, arch.resolution, arch.resolution), cfg)
