"""Proxy training on ILSVRC-2012 subsets: layouts, subsets, a decoded cache, the loop.

Knows nothing of Optuna, Ray or MLflow: callers pass a `report(epoch, metrics)` callback.
"""

from __future__ import annotations

from trainers.cache import Cache, PrepareResult, open_cache, prepare_cache
from trainers.config import TrainConfig
from trainers.imagenet import DatasetLayoutError, read_val, train_classes
from trainers.loader import AugmentConfig, CacheLoader
from trainers.subset import Subset, SubsetSpec, read_wnid_file, select_subset
from trainers.synthetic import write_synthetic_imagenet
from trainers.train import EpochMetrics, TrainResult, evaluate, lr_at, train

__all__ = [
    "AugmentConfig",
    "Cache",
    "CacheLoader",
    "DatasetLayoutError",
    "EpochMetrics",
    "PrepareResult",
    "Subset",
    "SubsetSpec",
    "TrainConfig",
    "TrainResult",
    "evaluate",
    "lr_at",
    "open_cache",
    "prepare_cache",
    "read_val",
    "read_wnid_file",
    "select_subset",
    "train",
    "train_classes",
    "write_synthetic_imagenet",
]
