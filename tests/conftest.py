from __future__ import annotations

import os

import pytest
import torch

# Two cores on CI: keep torch from oversubscribing when tests start worker processes.
torch.set_num_threads(min(2, os.cpu_count() or 1))


@pytest.fixture(scope="session")
def synth_root(tmp_path_factory):
    """A small synthetic ILSVRC copy (Kaggle val layout), shared by the data tests."""
    from trainers.synthetic import write_synthetic_imagenet

    root = tmp_path_factory.mktemp("synth") / "imagenet"
    return write_synthetic_imagenet(
        root, num_classes=4, train_per_class=12, val_per_class=3, seed=0, workers=2
    )


@pytest.fixture(scope="session")
def learnable_cache(tmp_path_factory):
    """10 synthetic classes, 200 train + 40 held-out images each, cached at 96 px.

    Small images (100-160 px) keep generation fast; the proxy-training tests and the search
    tests train on this.
    """
    from trainers.cache import open_cache, prepare_cache
    from trainers.subset import SubsetSpec
    from trainers.synthetic import write_synthetic_imagenet

    base = tmp_path_factory.mktemp("learnable")
    root = write_synthetic_imagenet(
        base / "imagenet",
        num_classes=10,
        train_per_class=240,
        val_per_class=0,
        seed=0,
        sides=(100, 160),
        workers=2,
    )
    spec = SubsetSpec(num_classes=10, train_per_class=200, val_per_class=40, seed=0)
    return open_cache(prepare_cache(root, base / "cache", spec, size=96).path)
