from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch

from trainers.cache import open_cache, prepare_cache
from trainers.loader import AugmentConfig, CacheLoader, eval_view
from trainers.subset import SubsetSpec


@pytest.fixture(scope="module")
def cache(tmp_path_factory, synth_root):
    # A private copy of the source, deleted after caching: the loader must not need it.
    src = tmp_path_factory.mktemp("src") / "imagenet"
    shutil.copytree(synth_root, src)
    res = prepare_cache(
        src,
        tmp_path_factory.mktemp("cache"),
        SubsetSpec(num_classes=4, train_per_class=9, val_per_class=3),
        size=64,
    )
    shutil.rmtree(src)
    return open_cache(res.path)


def test_train_batches(cache):
    loader = CacheLoader(cache.train, batch_size=8, resolution=40, train=True, seed=0)
    assert len(loader) == 36 // 8
    batches = list(loader)
    assert len(batches) == 4
    x, y = batches[0]
    assert x.shape == (8, 3, 40, 40) and x.dtype == torch.float32
    assert x.is_contiguous(memory_format=torch.channels_last)
    assert y.dtype == torch.int64 and y.max() < 4
    assert torch.isfinite(x).all()
    # Normalised: roughly zero-centred, unit scale.
    assert -1.5 < x.mean() < 1.5 and 0.3 < x.std() < 2.0
    labels = torch.cat([b[1] for b in batches])
    assert len(set(labels.tolist())) == 4


def test_same_seed_same_batches_epochs_differ(cache):
    a = CacheLoader(cache.train, batch_size=8, resolution=32, train=True, seed=3)
    b = CacheLoader(cache.train, batch_size=8, resolution=32, train=True, seed=3)
    xa, ya = next(iter(a))
    xb, yb = next(iter(b))
    assert torch.equal(xa, xb) and torch.equal(ya, yb)
    a.set_epoch(1)
    xa1, _ = next(iter(a))
    assert not torch.equal(xa1, xa)


def test_eval_is_deterministic_in_order(cache):
    loader = CacheLoader(cache.val, batch_size=5, resolution=48, train=False)
    assert len(loader) == 3  # 12 images, last batch short, nothing dropped
    ys = torch.cat([y for _, y in loader])
    assert ys.tolist() == cache.val.labels.tolist()
    x1 = torch.cat([x for x, _ in loader])
    x2 = torch.cat([x for x, _ in loader])
    assert torch.equal(x1, x2)


def test_eval_view_is_the_cached_square():
    batch = torch.from_numpy(np.full((2, 64, 64, 3), 124, dtype=np.uint8))
    out = eval_view(batch, 64)
    # 124 / 255 ~ ImageNet mean of channel 0 (0.485): normalised close to zero.
    assert out[:, 0].abs().max() < 0.02


def test_full_scale_crop_without_flip_equals_eval_view(cache):
    aug = AugmentConfig(min_scale=1.0, max_scale=1.0, min_ratio=1.0, max_ratio=1.0, flip=0.0)
    train = CacheLoader(cache.val, batch_size=12, resolution=64, train=True, augment=aug)
    x_train, y_train = next(iter(train))
    ev = torch.cat(
        [x for x, _ in CacheLoader(cache.val, batch_size=12, resolution=64, train=False)]
    )
    # One batch of the whole split, in sorted index order: a scale-1 crop is the image.
    torch.testing.assert_close(x_train, ev, atol=1e-4, rtol=1e-4)
    assert y_train.tolist() == cache.val.labels.tolist()


def test_flip_mirrors(cache):
    aug = AugmentConfig(min_scale=1.0, max_scale=1.0, min_ratio=1.0, max_ratio=1.0, flip=1.0)
    # One batch of the whole split: train batches come in sorted index order.
    x, _ = next(
        iter(CacheLoader(cache.val, batch_size=12, resolution=64, train=True, augment=aug))
    )
    ev, _ = next(iter(CacheLoader(cache.val, batch_size=12, resolution=64, train=False)))
    torch.testing.assert_close(x, ev.flip(-1), atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"min_scale": 0}, "min_scale"),
        ({"min_ratio": 2, "max_ratio": 1}, "min_ratio"),
        ({"flip": 2}, "flip"),
    ],
)
def test_bad_augment(kwargs, match):
    with pytest.raises(ValueError, match=match):
        AugmentConfig(**kwargs)


def test_bad_loader_args(cache):
    with pytest.raises(ValueError, match="batch_size must be >= 1, got 0"):
        CacheLoader(cache.train, batch_size=0, resolution=32, train=True)
