"""How latency is measured: the typed settings shared by measurement and lookup tables."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

BACKENDS = ("torch", "onnxruntime")
DEVICES = ("cpu", "cuda")


@dataclass(frozen=True)
class MeasureConfig:
    """Settings of one latency measurement (and of every entry of a lookup table)."""

    # "torch" (PyTorch eager, inference mode) or "onnxruntime" (the `onnx` extra).
    backend: Literal["torch", "onnxruntime"] = "torch"
    # "cpu", or "cuda" (torch backend only; timed with events and synchronisation).
    device: Literal["cpu", "cuda"] = "cpu"
    # Intra-op threads; 1 stands for one big core of a phone.
    threads: int = 1
    batch_size: int = 1
    # Untimed runs first (allocator, oneDNN primitive caches, CPU frequency).
    warmup: int = 10
    # Timed runs continue until both minimums are met (or `max_seconds` passes).
    min_repeats: int = 30
    min_seconds: float = 0.5
    max_seconds: float = 30.0

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, got {self.backend!r}")
        if self.device not in DEVICES:
            raise ValueError(f"device must be one of {DEVICES}, got {self.device!r}")
        if self.device == "cuda" and self.backend != "torch":
            raise ValueError("device 'cuda' is measured with the torch backend only")
        for name in ("threads", "batch_size", "min_repeats"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {v!r}")
        if isinstance(self.warmup, bool) or not isinstance(self.warmup, int) or self.warmup < 0:
            raise ValueError(f"warmup must be an integer >= 0, got {self.warmup!r}")
        for name in ("min_seconds", "max_seconds"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
                raise ValueError(f"{name} must be a number >= 0, got {v!r}")
        if self.max_seconds < self.min_seconds:
            raise ValueError(
                f"max_seconds ({self.max_seconds}) must be >= min_seconds ({self.min_seconds})"
            )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MeasureConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown measurement key(s) {unknown}; expected {sorted(known)}")
        return cls(**data)
