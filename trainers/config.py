"""The typed training configuration."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

from trainers.loader import AugmentConfig

OPTIMIZERS = ("sgd", "rmsprop")
# Peak learning rates at batch 32 that trained proxies fastest on the synthetic set
# (measured over 3 epochs, 0.5-width 64 px): RMSprop 3e-3 (eps 1e-3), SGD 0.1.
DEFAULT_LR = {"rmsprop": 3e-3, "sgd": 0.1}
DEVICES = ("auto", "cpu", "cuda")


@dataclass(frozen=True)
class TrainConfig:
    """How one proxy is trained. Defaults suit a few epochs on a small subset."""

    # Passes over the training split.
    epochs: int = 3
    # Images per optimiser step (training) and per forward (evaluation).
    batch_size: int = 32
    eval_batch_size: int = 256
    # "rmsprop" (the paper's, with TF's decay 0.9) or "sgd" (Nesterov momentum).
    optimizer: Literal["sgd", "rmsprop"] = "rmsprop"
    # Peak learning rate, reached after warm-up, then cosine decay to `min_lr_ratio * lr`.
    # None: the optimizer's default (DEFAULT_LR).
    lr: float | None = None
    momentum: float = 0.9
    # RMSprop's epsilon (TF-slim's MobileNet recipe uses a large one for stability).
    rmsprop_eps: float = 1e-3
    # Linear warm-up length, in epochs (fractions allowed).
    warmup_epochs: float = 0.3
    min_lr_ratio: float = 0.0
    # L2 on conv and FC weights only: not on depthwise filters, BN or biases (Section 3.2).
    weight_decay: float = 4e-5
    label_smoothing: float = 0.1
    # Fixes initialisation, batch order and augmentation: same seed, same accuracies (CPU).
    seed: int = 0
    # torch intra-op threads; None leaves torch's default (all cores).
    threads: int | None = None
    # "auto" picks CUDA when present.
    device: Literal["auto", "cpu", "cuda"] = "auto"
    # bfloat16 autocast on CUDA (ignored on the CPU, where float32 is faster for MobileNet).
    amp: bool = True
    augment: AugmentConfig = field(default_factory=AugmentConfig)

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "eval_batch_size"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {v!r}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {self.optimizer!r}")
        if self.lr is None:
            object.__setattr__(self, "lr", DEFAULT_LR[self.optimizer])
        if self.device not in DEVICES:
            raise ValueError(f"device must be one of {DEVICES}, got {self.device!r}")
        for name in ("lr", "rmsprop_eps"):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
                raise ValueError(f"{name} must be a positive number, got {v!r}")
        for name, lo, hi in (
            ("momentum", 0, 1),
            ("label_smoothing", 0, 1),
            ("min_lr_ratio", 0, 1),
        ):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or not lo <= v < hi + (name == "min_lr_ratio"):
                raise ValueError(f"{name} must be in [{lo}, {hi}), got {v!r}")
        if not isinstance(self.weight_decay, (int, float)) or self.weight_decay < 0:
            raise ValueError(f"weight_decay must be >= 0, got {self.weight_decay!r}")
        if not isinstance(self.warmup_epochs, (int, float)) or self.warmup_epochs < 0:
            raise ValueError(f"warmup_epochs must be >= 0, got {self.warmup_epochs!r}")
        if self.threads is not None and (
            isinstance(self.threads, bool) or not isinstance(self.threads, int) or self.threads < 1
        ):
            raise ValueError(f"threads must be a positive integer or None, got {self.threads!r}")
        if isinstance(self.augment, dict):
            object.__setattr__(self, "augment", AugmentConfig(**self.augment))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(
                f"unknown training key(s) {unknown}; expected some of {sorted(known)}"
            )
        return cls(**data)
