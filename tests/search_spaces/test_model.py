"""Forward/backward smoke tests over the corners of the space (timm's test_models style)."""

from __future__ import annotations

import itertools

import pytest
import torch

from search_spaces import ArchConfig, build_model

CORNERS = [
    ArchConfig(width_mult=w, resolution=r, stage_depths=d)
    for w, r, d in itertools.product((0.25, 1.0), (32, 224), ((1, 1, 1, 1, 1), (1, 2, 2, 6, 2)))
] + [ArchConfig(width_mult=0.5, resolution=97, stage_depths=(1, 2, 1, 3, 1), dropout=0.2)]


@pytest.mark.parametrize("arch", CORNERS, ids=lambda a: a.name)
def test_forward_backward(arch):
    torch.manual_seed(0)
    model = build_model(arch, num_classes=7)
    x = torch.randn(2, 3, arch.resolution, arch.resolution)
    out = model(x)
    assert out.shape == (2, 7)
    assert torch.isfinite(out).all()
    out.logsumexp(dim=1).mean().backward()
    grads = [p.grad for p in model.parameters()]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    assert any(g.abs().sum() > 0 for g in grads)


@pytest.mark.parametrize("resolution", [32, 33, 47, 100, 129])
def test_odd_resolutions(resolution):
    model = build_model(ArchConfig(width_mult=0.25, resolution=resolution), 3).eval()
    with torch.no_grad():
        out = model(torch.randn(1, 3, resolution, resolution))
    assert out.shape == (1, 3)


def test_channels_last_matches():
    arch = ArchConfig(width_mult=0.25, resolution=64)
    model = build_model(arch, 5).eval()
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        ref = model(x)
        out = model.to(memory_format=torch.channels_last)(x.to(memory_format=torch.channels_last))
    torch.testing.assert_close(out, ref, rtol=1e-4, atol=1e-5)


def test_build_model_rejects_dict():
    with pytest.raises(ValueError, match="ArchConfig"):
        build_model({"width_mult": 1.0})  # type: ignore[arg-type]


def test_import_is_light():
    import subprocess
    import sys

    code = "import sys, search_spaces; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
