"""The proxy training loop: an `ArchConfig`'s model, the cache, a few epochs, top-1 per epoch.

The loop knows nothing of Optuna, Ray or MLflow: after every epoch it calls
``report(epoch, metrics)`` and stops cleanly when that returns True.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import torch
import torch.nn.functional as F
from torch import nn

from trainers.cache import Cache, CacheSplit
from trainers.config import TrainConfig
from trainers.loader import CacheLoader
from trainers.runtime import keep_freed_memory

Status = Literal["completed", "stopped", "diverged"]
ReportFn = Callable[[int, dict[str, float]], bool]
ProgressFn = Callable[[int, int], None]


@dataclass
class EpochMetrics:
    epoch: int  # 1-based
    train_loss: float
    top1: float  # held-out accuracy in [0, 1]
    top5: float
    lr: float  # learning rate at the end of the epoch
    train_images_per_s: float
    train_seconds: float
    eval_seconds: float


@dataclass
class TrainResult:
    status: Status
    epochs_done: int
    history: list[EpochMetrics] = field(default_factory=list)
    wall_seconds: float = 0.0
    device: str = "cpu"
    reason: str = ""

    @property
    def best_top1(self) -> float:
        return max((m.top1 for m in self.history), default=0.0)

    @property
    def best_top5(self) -> float:
        return max((m.top5 for m in self.history), default=0.0)

    @property
    def final_top1(self) -> float:
        return self.history[-1].top1 if self.history else 0.0

    @property
    def final_top5(self) -> float:
        return self.history[-1].top5 if self.history else 0.0

    @property
    def train_images_per_s(self) -> float:
        seconds = sum(m.train_seconds for m in self.history)
        images = sum(m.train_images_per_s * m.train_seconds for m in self.history)
        return images / seconds if seconds else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "epochs_done": self.epochs_done,
            "best_top1": self.best_top1,
            "best_top5": self.best_top5,
            "final_top1": self.final_top1,
            "final_top5": self.final_top5,
            "train_images_per_s": self.train_images_per_s,
            "wall_seconds": self.wall_seconds,
            "device": self.device,
            "reason": self.reason,
            "history": [asdict(m) for m in self.history],
        }


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' asked for, but torch sees no CUDA device")
    return torch.device(name)


def lr_at(step: int, *, total_steps: int, warmup_steps: int, peak: float, floor: float) -> float:
    """Linear warm-up to `peak`, then cosine decay to `floor` at `total_steps`."""
    if warmup_steps and step < warmup_steps:
        return peak * (step + 1) / warmup_steps
    span = max(1, total_steps - warmup_steps)
    progress = min(1.0, (step - warmup_steps) / span)
    return floor + (peak - floor) * 0.5 * (1 + math.cos(math.pi * progress))


def param_groups(model: nn.Module, weight_decay: float) -> list[dict[str, Any]]:
    """Decay full conv and FC weights; not depthwise filters, BN or biases (paper, Sec. 3.2)."""
    decay, no_decay = [], []
    for module in model.modules():
        for name, p in module.named_parameters(recurse=False):
            if not p.requires_grad:
                continue
            depthwise = isinstance(module, nn.Conv2d) and module.groups == module.in_channels > 1
            is_weight = name == "weight" and isinstance(module, (nn.Conv2d, nn.Linear))
            (decay if is_weight and not depthwise else no_decay).append(p)
    return [
        {"params": decay, "weight_decay": weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]


def make_optimizer(model: nn.Module, cfg: TrainConfig) -> torch.optim.Optimizer:
    groups = param_groups(model, cfg.weight_decay)
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(groups, lr=cfg.lr, momentum=cfg.momentum, nesterov=True)
    return torch.optim.RMSprop(
        groups, lr=cfg.lr, alpha=0.9, eps=cfg.rmsprop_eps, momentum=cfg.momentum
    )


@torch.inference_mode()
def evaluate(
    model: nn.Module, loader: CacheLoader, autocast=nullcontext
) -> tuple[float, float, bool]:
    """Top-1 and top-5 accuracy over `loader`; the flag is False when logits are not finite."""
    model.eval()
    correct1 = correct5 = total = 0
    finite = torch.ones((), dtype=torch.bool, device=loader.device)
    for x, y in loader:
        with autocast():
            logits = model(x)
        finite &= torch.isfinite(logits).all()
        k = min(5, logits.shape[1])
        top = logits.topk(k, dim=1).indices
        hit = top == y[:, None]
        correct1 += hit[:, 0].sum()
        correct5 += hit.any(dim=1).sum()
        total += y.numel()
    model.train()
    return float(correct1) / total, float(correct5) / total, bool(finite)


class _Timer:
    """Wall time on the CPU; CUDA events around device work."""

    def __init__(self, device: torch.device) -> None:
        self.cuda = device.type == "cuda"

    def start(self) -> None:
        if self.cuda:
            self._a = torch.cuda.Event(enable_timing=True)
            self._b = torch.cuda.Event(enable_timing=True)
            self._a.record()
        self._t = time.perf_counter()

    def stop(self) -> float:
        if self.cuda:
            self._b.record()
            self._b.synchronize()
            return self._a.elapsed_time(self._b) / 1000
        return time.perf_counter() - self._t


def train(
    model: nn.Module,
    cache: Cache,
    cfg: TrainConfig,
    *,
    resolution: int,
    report: ReportFn | None = None,
    train_split: str = "train",
    eval_split: str = "val",
    progress: ProgressFn | None = None,
    reinit: bool = True,
) -> TrainResult:
    """Train `model` on the cache's training split; evaluate on the held-out split each epoch.

    Args:
        model: a freshly built candidate (`search_spaces.build_model`).
        cache: an open decode-once cache (`trainers.open_cache`).
        cfg: the training configuration.
        resolution: input side the candidate is trained and evaluated at.
        report: called as `report(epoch, metrics)` after every epoch (epoch is 1-based,
            metrics holds top1, top5, train_loss, lr, train_images_per_s); returning True
            stops training cleanly with status "stopped".
        train_split / eval_split: cache splits to use.
        progress: called as `progress(step, total_steps)` every few steps (for a bar).
        reinit: re-initialise the weights from `cfg.seed` first (the model's
            `reset_parameters`), so that the same seed gives the same run whatever the global
            RNG state was when the model was built. False keeps the weights (fine-tuning).

    Returns:
        A `TrainResult`; a loss or logits that become NaN/inf end the run with status
        "diverged" and the metrics of the last good epoch. Never raises for divergence.
    """
    started = time.perf_counter()
    keep_freed_memory()
    device = resolve_device(cfg.device)
    previous_threads = torch.get_num_threads()
    if cfg.threads is not None:
        torch.set_num_threads(cfg.threads)
    try:
        return _train(
            model,
            cache.split(train_split),
            cache.split(eval_split),
            cfg,
            resolution,
            report,
            progress,
            reinit,
            device,
            started,
        )
    finally:
        torch.set_num_threads(previous_threads)


def _train(
    model: nn.Module,
    train_data: CacheSplit,
    eval_data: CacheSplit,
    cfg: TrainConfig,
    resolution: int,
    report: ReportFn | None,
    progress: ProgressFn | None,
    reinit: bool,
    device: torch.device,
    started: float,
) -> TrainResult:
    torch.manual_seed(cfg.seed)
    if reinit and hasattr(model, "reset_parameters"):
        model.reset_parameters()
    cuda = device.type == "cuda"
    model = model.to(device=device, memory_format=torch.channels_last)
    model.train()
    train_loader = CacheLoader(
        train_data,
        batch_size=cfg.batch_size,
        resolution=resolution,
        train=True,
        seed=cfg.seed,
        augment=cfg.augment,
        device=device,
    )
    eval_loader = CacheLoader(
        eval_data,
        batch_size=cfg.eval_batch_size,
        resolution=resolution,
        train=False,
        device=device,
    )
    optimizer = make_optimizer(model, cfg)
    steps_per_epoch = len(train_loader)
    total_steps = cfg.epochs * steps_per_epoch
    warmup = min(total_steps, round(cfg.warmup_epochs * steps_per_epoch))
    floor = cfg.lr * cfg.min_lr_ratio
    autocast = (
        (lambda: torch.autocast("cuda", dtype=torch.bfloat16)) if cuda and cfg.amp else nullcontext
    )
    # On the CPU a host check is free, so divergence is caught at the step it happens;
    # on CUDA, checking every step would stall the stream, so the check is periodic.
    check_every = 50 if cuda else 1
    timer = _Timer(device)
    result = TrainResult(status="completed", epochs_done=0, device=str(device))
    step = 0
    lr = cfg.lr
    for epoch in range(1, cfg.epochs + 1):
        train_loader.set_epoch(epoch - 1)
        loss_sum = torch.zeros((), device=device)
        images = 0
        diverged = False
        timer.start()
        for i, (x, y) in enumerate(train_loader):
            lr = lr_at(
                step, total_steps=total_steps, warmup_steps=warmup, peak=cfg.lr, floor=floor
            )
            for group in optimizer.param_groups:
                group["lr"] = lr
            with autocast():
                logits = model(x)
            loss = F.cross_entropy(logits.float(), y, label_smoothing=cfg.label_smoothing)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            loss_sum += loss.detach()
            images += y.numel()
            step += 1
            if (i + 1) % check_every == 0 and not torch.isfinite(loss_sum):
                diverged = True
                break
            if progress is not None and step % 5 == 0:
                progress(step, total_steps)
        train_seconds = timer.stop()
        mean_loss = float(loss_sum) / max(1, i + 1)
        if diverged or not math.isfinite(mean_loss):
            return _diverged(
                result, epoch, f"training loss became {mean_loss} in epoch {epoch}", started
            )
        eval_start = time.perf_counter()
        top1, top5, finite = evaluate(model, eval_loader, autocast)
        if not finite:
            return _diverged(
                result, epoch, f"non-finite logits at evaluation of epoch {epoch}", started
            )
        metrics = EpochMetrics(
            epoch=epoch,
            train_loss=mean_loss,
            top1=top1,
            top5=top5,
            lr=lr,
            train_images_per_s=images / train_seconds if train_seconds > 0 else 0.0,
            train_seconds=train_seconds,
            eval_seconds=time.perf_counter() - eval_start,
        )
        result.history.append(metrics)
        result.epochs_done = epoch
        if report is not None and report(epoch, asdict(metrics)):
            result.status = "stopped"
            result.reason = f"stopped by the caller after epoch {epoch}"
            break
    result.wall_seconds = time.perf_counter() - started
    return result


def _diverged(result: TrainResult, epoch: int, reason: str, started: float) -> TrainResult:
    result.status = "diverged"
    result.reason = reason
    result.wall_seconds = time.perf_counter() - started
    return result
