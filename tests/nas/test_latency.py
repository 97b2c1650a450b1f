from __future__ import annotations

import json
import math
import warnings

import pytest
import torch

from nas.latency import (
    FingerprintMismatch,
    LatencyTable,
    MeasureConfig,
    build_lut,
    fit_line,
    measure_arch,
    measure_module,
    spearman,
)
from search_spaces import ArchConfig, SearchSpace

FAST = {"min_repeats": 5, "min_seconds": 0.05, "warmup": 2}


def test_measurement_stats_and_fingerprint():
    stats = measure_arch(ArchConfig(width_mult=0.25, resolution=64), 10, MeasureConfig(**FAST))
    for v in (stats.median_ms, stats.p10_ms, stats.p90_ms, stats.mean_ms):
        assert math.isfinite(v) and v > 0
    assert stats.p10_ms <= stats.median_ms <= stats.p90_ms
    assert stats.iqr_ms >= 0 and stats.samples >= 5
    fp = stats.fingerprint
    assert fp["threads"] == 1 and fp["backend"] == "torch" and fp["batch_size"] == 1
    assert fp["dtype"] == "float32" and fp["cpu"] and fp["backend_version"].startswith("torch")


class _ThreadProbe(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.seen: set[int] = set()

    def forward(self, x):
        self.seen.add(torch.get_num_threads())
        return x * 2


@pytest.mark.parametrize("threads", [1, 2])
def test_thread_count_is_applied_and_restored(threads):
    before = torch.get_num_threads()
    probe = _ThreadProbe()
    measure_module(probe, (1, 3, 8, 8), MeasureConfig(threads=threads, **FAST))
    assert probe.seen == {threads}
    assert torch.get_num_threads() == before


@pytest.mark.slow
def test_more_threads_not_slower_than_noise():
    arch = ArchConfig()
    one = measure_arch(arch, 1000, MeasureConfig(threads=1, min_repeats=8, min_seconds=0.5))
    two = measure_arch(arch, 1000, MeasureConfig(threads=2, min_repeats=8, min_seconds=0.5))
    # Plumbing, not the machine: two threads may not help on a busy box, but must not make
    # the paper's network slower by more than the measurement noise.
    assert two.median_ms <= one.median_ms + 2 * max(one.iqr_ms, two.iqr_ms) + 0.25 * one.median_ms


def test_onnxruntime_backend():
    pytest.importorskip("onnxruntime")
    stats = measure_arch(
        ArchConfig(width_mult=0.25, resolution=64),
        10,
        MeasureConfig(backend="onnxruntime", **FAST),
    )
    assert stats.median_ms > 0 and stats.fingerprint["backend_version"].startswith("onnxruntime")


SPACE = SearchSpace(
    widths=(0.25, 1.0),
    resolutions=(96, 224),
    stage_depth_ranges=((1, 1), (1, 1), (1, 2), (1, 2), (1, 1)),
)


@pytest.fixture(scope="module")
def table():
    return build_lut(SPACE, 10, MeasureConfig(**FAST), calibration_samples=3)


def test_table_covers_space_and_round_trips(table, tmp_path):
    assert len(table.layers) == len(SPACE.distinct_layers(10))
    assert table.calibration.points and len(table.calibration.points) == 3
    path = table.save(tmp_path / "lut.json")
    loaded = LatencyTable.load(path)
    for arch in [
        ArchConfig(width_mult=w, resolution=r, stage_depths=d)
        for w in SPACE.widths
        for r in SPACE.resolutions
        for d in SPACE.depth_options()
    ]:
        assert loaded.predict_ms(arch) == table.predict_ms(arch)
    assert loaded.fingerprint == table.fingerprint


def test_table_ranks_small_below_big(table):
    small = ArchConfig(width_mult=0.25, resolution=96, stage_depths=(1, 1, 1, 1, 1))
    big = ArchConfig(width_mult=1.0, resolution=224, stage_depths=(1, 1, 2, 2, 1))
    assert 0 < table.predict_ms(small) < table.predict_ms(big)


def test_unknown_layer_is_a_clear_error(table):
    with pytest.raises(KeyError, match="not in this table"):
        table.predict_ms(ArchConfig(width_mult=0.5, resolution=96))


def test_other_fingerprint_error_or_warning(table):
    other = {**table.fingerprint, "cpu": "Some Phone SoC", "threads": 4}
    with pytest.raises(FingerprintMismatch, match=r"cpu: table .* vs here 'Some Phone SoC'"):
        table.check_fingerprint(other)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        diff = table.check_fingerprint(other, "warn")
    assert set(diff) == {"cpu", "threads"} and caught
    assert table.check_fingerprint(dict(table.fingerprint)) == {}


def test_unreadable_tables(tmp_path):
    with pytest.raises(ValueError, match="cannot read latency table"):
        LatencyTable.load(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="cannot read latency table"):
        LatencyTable.load(bad)
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"format": 1, "layers": {}}))
    with pytest.raises(ValueError, match="malformed"):
        LatencyTable.load(wrong)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"min_repeats": 0}, "min_repeats must be an integer >= 1, got 0"),
        ({"threads": 0}, "threads"),
        ({"backend": "tflite"}, "backend"),
        ({"min_seconds": 2, "max_seconds": 1}, "max_seconds"),
    ],
)
def test_bad_measure_config(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MeasureConfig(**kwargs)


def test_fit_line_and_spearman():
    cal = fit_line([(1.0, 3.0), (2.0, 5.0), (3.0, 7.0)])
    assert cal.slope == pytest.approx(2.0) and cal.intercept == pytest.approx(1.0)
    assert cal.r2 == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert spearman([1, 2, 2, 3], [1, 2, 2, 3]) == pytest.approx(1.0)
