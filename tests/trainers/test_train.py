"""The proxy trainer: it learns, it ranks the family sensibly, it stops, it survives NaN."""

from __future__ import annotations

import math

import pytest
import torch

from search_spaces import ArchConfig, build_model
from trainers.config import DEFAULT_LR, TrainConfig
from trainers.train import lr_at, param_groups, train


def _train(cache, width, resolution, **kw):
    arch = ArchConfig(width_mult=width, resolution=resolution)
    cfg = TrainConfig(**{"epochs": 3, **kw})
    return train(build_model(arch, cache.num_classes), cache, cfg, resolution=resolution)


@pytest.mark.slow
def test_small_model_learns_well_above_chance(learnable_cache):
    result = _train(learnable_cache, 0.5, 64)
    assert result.status == "completed" and result.epochs_done == 3
    assert len(result.history) == 3
    # 10 classes: chance is 10%; ask for 3x chance.
    assert result.final_top1 >= 0.30, [m.top1 for m in result.history]
    assert result.final_top5 >= result.final_top1
    assert result.history[-1].train_loss < result.history[0].train_loss
    assert result.train_images_per_s > 0 and result.wall_seconds > 0


@pytest.mark.slow
def test_bigger_higher_resolution_model_scores_higher(learnable_cache):
    small = _train(learnable_cache, 0.25, 32)
    big = _train(learnable_cache, 1.0, 96)
    # A margin of 10 points (measured gap: ~28 points) so the test is robust, not lucky.
    assert big.final_top1 >= small.final_top1 + 0.10, (small.final_top1, big.final_top1)


def test_report_callback_stops_at_the_asked_epoch(learnable_cache):
    seen = []

    def report(epoch, metrics):
        seen.append((epoch, metrics["top1"]))
        assert 0.0 <= metrics["top1"] <= 1.0 and math.isfinite(metrics["train_loss"])
        return epoch == 2

    arch = ArchConfig(width_mult=0.25, resolution=32)
    result = train(
        build_model(arch, 10), learnable_cache, TrainConfig(epochs=5), resolution=32, report=report
    )
    assert [e for e, _ in seen] == [1, 2]
    assert result.status == "stopped" and result.epochs_done == 2
    assert len(result.history) == 2 and "epoch 2" in result.reason


def test_same_seed_same_result(learnable_cache):
    a = _train(learnable_cache, 0.25, 32, epochs=1, seed=7)
    b = _train(learnable_cache, 0.25, 32, epochs=1, seed=7)
    assert [m.top1 for m in a.history] == [m.top1 for m in b.history]
    assert [m.train_loss for m in a.history] == [m.train_loss for m in b.history]
    c = _train(learnable_cache, 0.25, 32, epochs=1, seed=8)
    assert [m.train_loss for m in c.history] != [m.train_loss for m in a.history]


@pytest.mark.parametrize("optimizer", ["sgd", "rmsprop"])
def test_huge_learning_rate_diverges_without_raising(learnable_cache, optimizer):
    result = _train(
        learnable_cache, 0.25, 32, epochs=2, lr=1e4, optimizer=optimizer, warmup_epochs=0
    )
    assert result.status == "diverged"
    assert result.reason
    for m in result.history:  # never NaN reported as an accuracy
        assert math.isfinite(m.top1) and math.isfinite(m.train_loss)


def test_lr_schedule():
    kw = {"total_steps": 100, "warmup_steps": 10, "peak": 1.0, "floor": 0.0}
    assert lr_at(0, **kw) == pytest.approx(0.1)
    assert lr_at(9, **kw) == pytest.approx(1.0)
    assert lr_at(10, **kw) == pytest.approx(1.0)
    assert lr_at(55, **kw) == pytest.approx(0.5)
    assert lr_at(100, **kw) == pytest.approx(0.0)
    assert lr_at(0, total_steps=10, warmup_steps=0, peak=2.0, floor=0.5) == pytest.approx(2.0)


def test_no_weight_decay_on_depthwise_bn_and_bias():
    model = build_model(ArchConfig(width_mult=0.25, resolution=32), 10)
    decay, no_decay = param_groups(model, 4e-5)
    assert decay["weight_decay"] == 4e-5 and no_decay["weight_decay"] == 0.0
    decayed = {id(p) for p in decay["params"]}
    for module in model.modules():
        if isinstance(module, torch.nn.Conv2d):
            depthwise = module.groups == module.in_channels > 1
            assert (id(module.weight) in decayed) == (not depthwise)
        if isinstance(module, torch.nn.BatchNorm2d):
            assert id(module.weight) not in decayed and id(module.bias) not in decayed
        if isinstance(module, torch.nn.Linear):
            assert id(module.weight) in decayed and id(module.bias) not in decayed
    n_params = sum(1 for _ in model.parameters())
    assert len(decay["params"]) + len(no_decay["params"]) == n_params


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"epochs": 0}, "epochs must be an integer >= 1, got 0"),
        ({"batch_size": -1}, "batch_size"),
        ({"optimizer": "adam"}, r"optimizer must be one of .*'adam'"),
        ({"lr": -1.0}, "lr must be a positive number, got -1.0"),
        ({"device": "tpu"}, "device must be one of"),
        ({"label_smoothing": 1.5}, "label_smoothing"),
        ({"threads": 0}, "threads"),
        ({"weight_decay": -1}, "weight_decay"),
    ],
)
def test_bad_config(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TrainConfig(**kwargs)


def test_config_defaults_and_round_trip():
    cfg = TrainConfig()
    assert cfg.optimizer == "rmsprop" and cfg.lr == DEFAULT_LR["rmsprop"]
    assert TrainConfig(optimizer="sgd").lr == DEFAULT_LR["sgd"]
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ValueError, match=r"unknown training key.*'epoch'"):
        TrainConfig.from_dict({"epoch": 3})


def test_cuda_refused_without_gpu(learnable_cache):
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(ValueError, match="no CUDA device"):
        _train(learnable_cache, 0.25, 32, epochs=1, device="cuda")
