from __future__ import annotations

import json

import pytest

from search_spaces import (
    PAPER_DEPTHS,
    ArchConfig,
    depths_for_multiplier,
    make_divisible,
    scale_channels,
)


def test_defaults_are_the_paper_network():
    arch = ArchConfig()
    assert (arch.width_mult, arch.resolution, arch.stage_depths) == (1.0, 224, PAPER_DEPTHS)


@pytest.mark.parametrize(
    "arch",
    [
        ArchConfig(),
        ArchConfig(width_mult=0.35, resolution=97, stage_depths=(1, 1, 1, 1, 1), dropout=0.2),
        ArchConfig(width_mult=1.3, resolution=256, channel_rounding="make_divisible"),
    ],
)
def test_round_trip_dict_and_json(arch):
    assert ArchConfig.from_dict(arch.to_dict()) == arch
    assert ArchConfig.from_dict(json.loads(json.dumps(arch.to_dict()))) == arch
    assert hash(ArchConfig.from_dict(arch.to_dict())) == hash(arch)


def test_to_dict_is_plain():
    d = ArchConfig().to_dict()
    assert d == {
        "width_mult": 1.0,
        "resolution": 224,
        "stage_depths": [1, 2, 2, 6, 2],
        "channel_rounding": "tf_slim",
        "dropout": 0.0,
    }


def test_list_depths_become_tuple():
    assert ArchConfig(stage_depths=[1, 2, 2, 6, 2]).stage_depths == PAPER_DEPTHS


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"width_mult": 0}, "width_mult.*0"),
        ({"width_mult": -0.5}, "width_mult.*-0.5"),
        ({"width_mult": 4.5}, "width_mult.*4.5"),
        ({"width_mult": float("nan")}, "width_mult"),
        ({"width_mult": "1.0"}, "width_mult.*'1.0'"),
        ({"resolution": 31}, "resolution.*31"),
        ({"resolution": 160.5}, "resolution.*160.5"),
        ({"resolution": True}, "resolution"),
        ({"stage_depths": (1, 2, 2, 6)}, "stage_depths.*5 entries.*got 4"),
        ({"stage_depths": (1, 2, 2, 6, 2, 1)}, "stage_depths.*got 6"),
        ({"stage_depths": (1, 0, 2, 6, 2)}, r"stage_depths\[1\].*0"),
        ({"stage_depths": (1, 2, 2, -1, 2)}, r"stage_depths\[3\].*-1"),
        ({"stage_depths": (1, 2.5, 2, 6, 2)}, r"stage_depths\[1\].*2.5"),
        ({"stage_depths": "12262"}, "stage_depths"),
        ({"channel_rounding": "nearest"}, "channel_rounding.*nearest"),
        ({"dropout": 1.0}, "dropout.*1.0"),
        ({"dropout": -0.1}, "dropout"),
    ],
)
def test_bad_values_name_field_and_value(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ArchConfig(**kwargs)


def test_from_dict_rejects_unknown_keys():
    with pytest.raises(ValueError, match=r"unknown ArchConfig key.*'widht_mult'"):
        ArchConfig.from_dict({"widht_mult": 0.5})


def test_from_dict_rejects_non_mapping():
    with pytest.raises(ValueError, match="mapping"):
        ArchConfig.from_dict([0.5, 160])  # type: ignore[arg-type]


def test_integral_float_resolution_accepted():
    assert ArchConfig(resolution=160.0).resolution == 160


@pytest.mark.parametrize(
    ("mult", "expected"),
    [
        (1.0, (1, 2, 2, 6, 2)),
        (0.5, (1, 1, 1, 3, 1)),
        (1.2, (2, 3, 3, 8, 3)),
        (0.1, (1, 1, 1, 1, 1)),
    ],
)
def test_depth_multiplier_ceil(mult, expected):
    assert depths_for_multiplier(mult) == expected
    arch = ArchConfig.from_multipliers(width_mult=0.5, resolution=128, depth_mult=mult)
    assert arch.stage_depths == expected
    assert ArchConfig.from_dict({"depth_mult": mult}).stage_depths == expected


@pytest.mark.parametrize("mult", [0, -1, 5, "2"])
def test_depth_multiplier_bad(mult):
    with pytest.raises(ValueError, match="depth_mult"):
        depths_for_multiplier(mult)


def test_depth_mult_and_depths_exclusive():
    with pytest.raises(ValueError, match="not both"):
        ArchConfig.from_dict({"depth_mult": 1.0, "stage_depths": [1, 2, 2, 6, 2]})


def test_channel_rules():
    # TF-slim: floor, at least 8. make_divisible: multiples of 8, never 10% below.
    assert scale_channels(32, 0.25) == 8
    assert scale_channels(64, 0.35) == 22
    assert scale_channels(64, 0.35, "make_divisible") == 24
    assert scale_channels(1024, 0.1) == 102
    assert make_divisible(102.4) == 104
    assert scale_channels(16, 0.25) == 8
    for alpha in (1.0, 0.75, 0.5, 0.25):
        for c in (32, 64, 128, 256, 512, 1024):
            assert scale_channels(c, alpha) == scale_channels(c, alpha, "make_divisible")


def test_name_is_stable():
    assert ArchConfig(width_mult=0.75, resolution=160).name == "mbv1-w0.75-r160-d1.2.2.6.2"
