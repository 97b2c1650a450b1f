"""Batches from the cache: whole-batch augmentation on uint8 tensors, nothing decoded.

Training view: random-resized crop and horizontal flip for the whole batch in one
`affine_grid` + `grid_sample` call (crop, flip and resize to the trial's resolution are one
affine map per image), then normalisation. Evaluation view: the cached centre square resized
to the resolution with antialiasing. Images are read from the memory-mapped cache one batch
at a time, so memory stays at a few batches whatever the cache's size.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from trainers.cache import CacheSplit

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class AugmentConfig:
    """Light augmentation: the paper notes small models overfit less (Section 4)."""

    # Random-resized-crop area range, as fractions of the cached square.
    min_scale: float = 0.25
    max_scale: float = 1.0
    # Aspect-ratio range of the crop.
    min_ratio: float = 3 / 4
    max_ratio: float = 4 / 3
    # Probability of a horizontal flip.
    flip: float = 0.5

    def __post_init__(self) -> None:
        if not 0 < self.min_scale <= self.max_scale <= 1:
            raise ValueError(
                f"need 0 < min_scale <= max_scale <= 1, got {self.min_scale}, {self.max_scale}"
            )
        if not 0 < self.min_ratio <= self.max_ratio:
            raise ValueError(
                f"need 0 < min_ratio <= max_ratio, got {self.min_ratio}, {self.max_ratio}"
            )
        if not 0 <= self.flip <= 1:
            raise ValueError(f"flip must be a probability, got {self.flip}")


def _normalise(x: torch.Tensor) -> torch.Tensor:
    """uint8-range floats -> ImageNet-normalised, in place where possible."""
    mean = torch.tensor(IMAGENET_MEAN, device=x.device, dtype=x.dtype).view(1, 3, 1, 1) * 255
    std = torch.tensor(IMAGENET_STD, device=x.device, dtype=x.dtype).view(1, 3, 1, 1) * 255
    return x.sub_(mean).div_(std)


def crop_params(
    n: int, aug: AugmentConfig, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per-image crop width, height (fractions of the side), centre x, y (in [-1, 1])."""
    area = torch.empty(n).uniform_(aug.min_scale, aug.max_scale, generator=generator)
    log_ratio = torch.empty(n).uniform_(
        math.log(aug.min_ratio), math.log(aug.max_ratio), generator=generator
    )
    ratio = log_ratio.exp()
    w = (area * ratio).sqrt().clamp(max=1.0)
    h = (area / ratio).sqrt().clamp(max=1.0)
    cx = (torch.rand(n, generator=generator) * 2 - 1) * (1 - w)
    cy = (torch.rand(n, generator=generator) * 2 - 1) * (1 - h)
    return w, h, cx, cy


def train_view(
    batch: torch.Tensor, resolution: int, aug: AugmentConfig, generator: torch.Generator
) -> torch.Tensor:
    """(N, S, S, 3) uint8 -> (N, 3, R, R) float, channels-last, cropped, flipped, normalised."""
    n, size = batch.shape[0], batch.shape[1]
    x = batch.permute(0, 3, 1, 2).float()  # NCHW view over NHWC memory: channels-last
    # Bilinear sampling aliases when it shrinks by more than ~1.5x; pre-shrink with an
    # antialiased resize so small resolutions see what the evaluation view sees.
    pre = min(size, math.ceil(resolution * 1.5))
    if pre < size:
        x = F.interpolate(x, size=(pre, pre), mode="bilinear", antialias=True, align_corners=False)
    w, h, cx, cy = crop_params(n, aug, generator)
    flip = torch.rand(n, generator=generator) < aug.flip
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = torch.where(flip, -w, w)
    theta[:, 0, 2] = cx
    theta[:, 1, 1] = h
    theta[:, 1, 2] = cy
    theta = theta.to(x.device)
    grid = F.affine_grid(theta, [n, 3, resolution, resolution], align_corners=False)
    out = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    return _normalise(out).contiguous(memory_format=torch.channels_last)


def eval_view(batch: torch.Tensor, resolution: int) -> torch.Tensor:
    """(N, S, S, 3) uint8 -> (N, 3, R, R): the cached centre square, resized, normalised."""
    x = batch.permute(0, 3, 1, 2).float()
    if x.shape[-1] != resolution:
        x = F.interpolate(
            x, size=(resolution, resolution), mode="bilinear", antialias=True, align_corners=False
        )
    return _normalise(x).contiguous(memory_format=torch.channels_last)


class CacheLoader:
    """Iterates (images, labels) batches over one cache split.

    Args:
        split: a split of an open cache.
        batch_size: images per batch.
        resolution: side of the produced images (the trial's resolution).
        train: random order and augmentation (True), or in-order centre views (False).
        seed: fixes the order and augmentation; epoch `e` uses (seed, e).
        augment: augmentation ranges for training.
        drop_last: drop a final short batch when training (keeps BN statistics sane).
        device: where batches are produced. On CUDA the whole split is copied to the device
            once, so batches never cross the bus.
    """

    def __init__(
        self,
        split: CacheSplit,
        *,
        batch_size: int,
        resolution: int,
        train: bool,
        seed: int = 0,
        augment: AugmentConfig | None = None,
        drop_last: bool | None = None,
        device: str | torch.device = "cpu",
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if resolution < 1:
            raise ValueError(f"resolution must be >= 1, got {resolution}")
        if len(split) == 0:
            raise ValueError("cannot load from an empty split")
        self.split = split
        self.batch_size = batch_size
        self.resolution = resolution
        self.train = train
        self.seed = seed
        self.augment = augment or AugmentConfig()
        self.drop_last = train if drop_last is None else drop_last
        if self.drop_last and len(split) < batch_size:
            self.drop_last = False  # never yield nothing
        self.device = torch.device(device)
        self.epoch = 0
        self._labels = torch.from_numpy(np.asarray(split.labels, dtype=np.int64))
        self._on_device = None
        if self.device.type == "cuda":
            self._on_device = torch.from_numpy(np.ascontiguousarray(split.images)).to(self.device)
            self._labels = self._labels.to(self.device)

    def __len__(self) -> int:
        n = len(self.split)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def _read(self, idx: np.ndarray) -> torch.Tensor:
        if self._on_device is not None:
            return self._on_device[torch.from_numpy(idx).to(self.device)]
        # Sorted indices read the memory map front to back; order within a batch is irrelevant.
        return torch.from_numpy(self.split.images[idx])

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        n = len(self.split)
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + self.epoch)
        order = torch.randperm(n, generator=generator).numpy() if self.train else np.arange(n)
        for b in range(len(self)):
            idx = order[b * self.batch_size : (b + 1) * self.batch_size]
            if self.train:
                idx = np.sort(idx)
            images = self._read(idx)
            labels = self._labels[torch.from_numpy(idx).to(self._labels.device)]
            if self.train:
                yield train_view(images, self.resolution, self.augment, generator), labels
            else:
                yield eval_view(images, self.resolution), labels
        self.epoch += 1 if self.train else 0
