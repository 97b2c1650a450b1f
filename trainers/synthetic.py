"""A synthetic ILSVRC-shaped dataset: real JPEG files in the ImageNet layouts.

Each class is a (shape, texture) pair; colours, position, scale, rotation, background,
clutter and noise are random. Shape survives downscaling to 32 px but the textures are fine
(a few pixels per period at ImageNet sizes), so a wider network at a higher resolution
scores clearly better than the smallest one: the family's scaling is visible on proxies.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

SHAPES = ("disc", "square", "triangle", "star", "ring", "cross", "diamond", "crescent")
TEXTURES = ("solid", "stripes", "checker", "dots", "waves")
PERIODS = ("fine", "coarse")
SCHEMES = ("any", "dark-bg")
MAX_CLASSES = len(SHAPES) * len(TEXTURES) * len(PERIODS) * len(SCHEMES)
VAL_LAYOUTS = ("kaggle", "folders", "devkit")

ProgressFn = Callable[[int, int], None]


@dataclass(frozen=True)
class SynthClass:
    wnid: str
    shape: str
    texture: str
    period: str
    scheme: str

    @property
    def name(self) -> str:
        return f"{self.texture} {self.shape} ({self.period}, {self.scheme})"


def synth_classes(num_classes: int) -> list[SynthClass]:
    """Class k has shape k % 8 and texture k % 5 (all 40 pairs before any repeats)."""
    if isinstance(num_classes, bool) or not isinstance(num_classes, int):
        raise ValueError(f"classes must be an integer, got {num_classes!r}")
    if not 2 <= num_classes <= MAX_CLASSES:
        raise ValueError(f"classes must be in [2, {MAX_CLASSES}], got {num_classes}")
    out = []
    for k in range(num_classes):
        pair = len(SHAPES) * len(TEXTURES)
        out.append(
            SynthClass(
                wnid=f"n{90000000 + k:08d}",
                shape=SHAPES[k % len(SHAPES)],
                texture=TEXTURES[k % len(TEXTURES)],
                period=PERIODS[(k // pair) % len(PERIODS)],
                scheme=SCHEMES[(k // (pair * len(PERIODS))) % len(SCHEMES)],
            )
        )
    return out


def _shape_mask(shape: str, xx: np.ndarray, yy: np.ndarray) -> np.ndarray:
    """Boolean mask of a unit shape centred at 0 (coordinates already rotated and scaled)."""
    r = np.hypot(xx, yy)
    if shape == "disc":
        return r <= 1
    if shape == "square":
        return (np.abs(xx) <= 0.85) & (np.abs(yy) <= 0.85)
    if shape == "triangle":
        return (yy <= 0.8) & (yy >= 1.8 * np.abs(xx) - 1.0)
    if shape == "star":
        theta = np.arctan2(yy, xx)
        return r <= 0.55 + 0.45 * np.cos(5 * theta) ** 2
    if shape == "ring":
        return (r <= 1) & (r >= 0.55)
    if shape == "cross":
        return ((np.abs(xx) <= 0.3) & (np.abs(yy) <= 1)) | (
            (np.abs(yy) <= 0.3) & (np.abs(xx) <= 1)
        )
    if shape == "diamond":
        return np.abs(xx) + np.abs(yy) <= 1
    if shape == "crescent":
        return (r <= 1) & (np.hypot(xx - 0.45, yy) >= 0.75)
    raise ValueError(shape)


def _texture(texture: str, period: float, xx: np.ndarray, yy: np.ndarray, phase: float):
    if texture == "solid":
        return np.zeros_like(xx, dtype=bool)
    if texture == "stripes":
        return np.sin(2 * np.pi * xx / period + phase) > 0
    if texture == "checker":
        return (np.floor(xx / period + phase) + np.floor(yy / period)) % 2 == 0
    if texture == "dots":
        u = (xx / period + phase) % 1 - 0.5
        v = (yy / period) % 1 - 0.5
        return u * u + v * v < 0.09
    if texture == "waves":
        return np.sin(2 * np.pi * (xx + 0.35 * period * np.sin(yy / period)) / period + phase) > 0
    raise ValueError(texture)


def _colour(rng: np.random.Generator, dark: bool | None = None) -> np.ndarray:
    c = rng.uniform(0, 255, 3)
    if dark is True:
        c *= 0.35
    return c


def render_image(
    cls: SynthClass, rng: np.random.Generator, sides: tuple[int, int] = (200, 500)
) -> np.ndarray:
    """One HxWx3 uint8 image of class `cls`; sides drawn from `sides` (ImageNet-like)."""
    h, w = int(rng.integers(sides[0], sides[1] + 1)), int(rng.integers(sides[0], sides[1] + 1))
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    # Background: a smooth two-colour gradient plus low-frequency blobs.
    bg_a, bg_b = _colour(rng, cls.scheme == "dark-bg"), _colour(rng, cls.scheme == "dark-bg")
    angle = rng.uniform(0, 2 * np.pi)
    t = (np.cos(angle) * xx + np.sin(angle) * yy) / max(h, w)
    t = (t - t.min()) / max(t.max() - t.min(), 1e-6)
    img = bg_a * (1 - t[..., None]) + bg_b * t[..., None]

    # Clutter: plain ellipses and bars, never a class shape or texture.
    for _ in range(int(rng.integers(0, 3))):
        s = rng.uniform(0.05, 0.15) * min(h, w)
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        a = rng.uniform(0, np.pi)
        u = (np.cos(a) * (xx - cx) + np.sin(a) * (yy - cy)) / s
        v = (-np.sin(a) * (xx - cx) + np.cos(a) * (yy - cy)) / s
        if rng.random() < 0.5:
            mask = (u / 1.6) ** 2 + (v / 0.6) ** 2 <= 1  # ellipse
        else:
            mask = (np.abs(u) <= 2.5) & (np.abs(v) <= 0.15)  # bar
        img[mask] = _colour(rng)

    # The object: class shape filled with the class texture in two random colours.
    side = min(h, w)
    s = rng.uniform(0.3, 0.45) * side
    cx = rng.uniform(s, w - s)
    cy = rng.uniform(s, h - s)
    rot = rng.uniform(0, 2 * np.pi)
    dx, dy = xx - cx, yy - cy
    u = (np.cos(rot) * dx + np.sin(rot) * dy) / s
    v = (-np.sin(rot) * dx + np.cos(rot) * dy) / s
    mask = _shape_mask(cls.shape, u, v)
    base = 0.03 if cls.period == "fine" else 0.05
    period = base * side * rng.uniform(0.85, 1.15)
    tex_angle = rng.uniform(0, np.pi)
    tu = np.cos(tex_angle) * xx + np.sin(tex_angle) * yy
    tv = -np.sin(tex_angle) * xx + np.cos(tex_angle) * yy
    pattern = _texture(cls.texture, period, tu, tv, rng.uniform(0, 2 * np.pi))
    fg_a = _colour(rng)
    fg_b = 255 - fg_a + rng.normal(0, 20, 3)  # the texture always has contrast
    img[mask & ~pattern] = fg_a
    img[mask & pattern] = fg_b

    img += rng.normal(0, rng.uniform(2, 8), img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def _write_one(job: tuple[str, int, int, int, SynthClass, tuple[int, int]]) -> None:
    path, seed, index, class_index, cls, sides = job
    rng = np.random.default_rng([seed, class_index, index])
    Image.fromarray(render_image(cls, rng, sides)).save(path, "JPEG", quality=90)


def write_synthetic_imagenet(
    out: Path,
    *,
    num_classes: int = 10,
    train_per_class: int = 60,
    val_per_class: int = 20,
    seed: int = 0,
    val_layout: str = "kaggle",
    sides: tuple[int, int] = (200, 500),
    workers: int | None = None,
    progress: ProgressFn | None = None,
) -> Path:
    """Write `out/train/<wnid>/*.JPEG` and `out/val` in `val_layout`; returns `out`.

    val_layout: `kaggle` (flat + LOC_val_solution.csv), `folders` (val/<wnid>/), or `devkit`
    (flat + ILSVRC2012_validation_ground_truth.txt + meta.mat, which needs scipy).
    sides: range of image heights and widths in pixels (ImageNet's are mostly 200-500;
    tests use smaller images to run fast).
    """
    if not (isinstance(sides, (tuple, list)) and len(sides) == 2 and 16 <= sides[0] <= sides[1]):
        raise ValueError(f"sides must be (min, max) with 16 <= min <= max, got {sides!r}")
    if val_layout not in VAL_LAYOUTS:
        raise ValueError(f"val_layout must be one of {VAL_LAYOUTS}, got {val_layout!r}")
    for name, v in (("train_per_class", train_per_class), ("val_per_class", val_per_class)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise ValueError(f"{name} must be an integer >= 0, got {v!r}")
    classes = synth_classes(num_classes)
    out = Path(out)
    if (out / "train").exists() and any((out / "train").iterdir()):
        raise ValueError(f"{out / 'train'} already exists and is not empty; choose a new --out")
    jobs = []
    val_rows: list[tuple[str, str, int]] = []  # (file name, wnid, class index)
    for k, cls in enumerate(classes):
        folder = out / "train" / cls.wnid
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(train_per_class):
            path = folder / f"{cls.wnid}_{i + 1}.JPEG"
            jobs.append((str(path), seed, i, k, cls, sides))
    # Val images interleave classes, like the official val set's numbering.
    order = [(k, i) for i in range(val_per_class) for k in range(num_classes)]
    (out / "val").mkdir(parents=True, exist_ok=True)
    for n, (k, i) in enumerate(order, start=1):
        cls = classes[k]
        name = f"ILSVRC2012_val_{n:08d}.JPEG"
        if val_layout == "folders":
            (out / "val" / cls.wnid).mkdir(exist_ok=True)
            path = out / "val" / cls.wnid / name
        else:
            path = out / "val" / name
        # Val draws from another seed stream than train, so no image is repeated.
        jobs.append((str(path), seed + 1_000_003, i, k, cls, sides))
        val_rows.append((name, cls.wnid, k))

    (out / "LOC_synset_mapping.txt").write_text("".join(f"{c.wnid} {c.name}\n" for c in classes))
    if val_layout == "kaggle":
        with (out / "LOC_val_solution.csv").open("w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["ImageId", "PredictionString"])
            for name, wnid, _ in val_rows:
                writer.writerow([Path(name).stem, f"{wnid} 0 0 10 10"])
    elif val_layout == "devkit":
        _write_devkit(out, classes, val_rows)

    workers = workers or os.cpu_count() or 1
    done = 0
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for _ in pool.map(_write_one, jobs, chunksize=8):
            done += 1
            if progress is not None:
                progress(done, len(jobs))
    return out


def _write_devkit(out: Path, classes: list[SynthClass], val_rows) -> None:
    from scipy.io import savemat

    data = out / "ILSVRC2012_devkit_t12" / "data"
    data.mkdir(parents=True, exist_ok=True)
    # ILSVRC2012_IDs are 1-based; give the classes ids in reverse so a reader that used the
    # folder order instead of meta.mat would fail the tests.
    ids = {c.wnid: len(classes) - k for k, c in enumerate(classes)}
    dtype = [("ILSVRC2012_ID", "O"), ("WNID", "O"), ("words", "O"), ("num_children", "O")]
    synsets = np.array([(ids[c.wnid], c.wnid, c.name, 0) for c in classes], dtype=dtype)
    savemat(str(data / "meta.mat"), {"synsets": synsets})
    (data / "ILSVRC2012_validation_ground_truth.txt").write_text(
        "".join(f"{ids[wnid]}\n" for _, wnid, _ in val_rows)
    )
