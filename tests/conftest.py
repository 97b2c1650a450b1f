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
