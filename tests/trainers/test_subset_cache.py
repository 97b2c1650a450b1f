"""The subset and the decode-once cache: determinism, reuse, messy files, errors."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image

from trainers.cache import open_cache, prepare_cache, resolve_cache_dir
from trainers.imagenet import DatasetLayoutError
from trainers.subset import SubsetSpec, read_wnid_file, select_subset

SPEC = SubsetSpec(num_classes=3, train_per_class=6, val_per_class=3, seed=0)


def test_subset_is_deterministic_and_disjoint(synth_root):
    a = select_subset(synth_root, SPEC)
    b = select_subset(synth_root, SPEC)
    assert a == b
    assert len(a.wnids) == 3 and len(a.train) == 18 and len(a.val) == 9
    assert not {p for p, _ in a.train} & {p for p, _ in a.val}
    for path, label in a.train + a.val:
        assert path.split("/")[1] == a.wnids[label]


def test_other_seed_other_subset(synth_root):
    a = select_subset(synth_root, SPEC)
    b = select_subset(
        synth_root, SubsetSpec(num_classes=3, train_per_class=6, val_per_class=3, seed=1)
    )
    assert (a.wnids, a.train) != (b.wnids, b.train)


def test_more_train_images_keep_the_held_out_split(synth_root):
    small = select_subset(synth_root, SPEC)
    big = select_subset(
        synth_root, SubsetSpec(num_classes=3, train_per_class=9, val_per_class=3, seed=0)
    )
    assert small.val == big.val
    assert set(small.train) <= set(big.train)


def test_wnid_file(tmp_path, synth_root):
    f = tmp_path / "classes.txt"
    f.write_text("# my classes\nn90000003\n\nn90000001  # second\n")
    assert read_wnid_file(f) == ("n90000003", "n90000001")
    sub = select_subset(
        synth_root, SubsetSpec(wnids=read_wnid_file(f), train_per_class=2, val_per_class=1)
    )
    assert sub.wnids == ("n90000003", "n90000001")
    with pytest.raises(DatasetLayoutError, match=r"\['n00000042'\] not found"):
        select_subset(synth_root, SubsetSpec(wnids=("n90000001", "n00000042")))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"num_classes": 1}, "num_classes must be an integer >= 2, got 1"),
        ({"train_per_class": 0}, "train_per_class must be an integer >= 1, got 0"),
        ({"val_per_class": -1}, "val_per_class"),
        ({"wnids": ("n1", "n1")}, "twice"),
    ],
)
def test_spec_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SubsetSpec(**kwargs)


def test_too_many_classes_or_images(synth_root):
    with pytest.raises(DatasetLayoutError, match=r"asked for 9 classes but .* has 4"):
        select_subset(synth_root, SubsetSpec(num_classes=9))
    with pytest.raises(DatasetLayoutError, match=r"n9000000\d has 12 images, fewer than .* 20"):
        select_subset(synth_root, SubsetSpec(num_classes=2, train_per_class=15, val_per_class=5))


def test_prepare_is_byte_identical_and_reused(tmp_path, synth_root):
    a = prepare_cache(synth_root, tmp_path / "a", SPEC, size=48, workers=2)
    b = prepare_cache(synth_root, tmp_path / "b", SPEC, size=48, workers=1)
    assert not a.reused and not b.reused
    for name in ("train_images.npy", "train_labels.npy", "val_images.npy", "val_labels.npy"):
        assert (a.path / name).read_bytes() == (b.path / name).read_bytes()
    assert a.manifest["content_hash"] == b.manifest["content_hash"]
    again = prepare_cache(synth_root, tmp_path / "a", SPEC, size=48)
    assert again.reused and again.path == a.path
    # Different arguments: a new cache beside the first, never a mix.
    other = prepare_cache(synth_root, tmp_path / "a", SPEC, size=40)
    assert not other.reused and other.path != a.path
    seeded = prepare_cache(
        synth_root,
        tmp_path / "a",
        SubsetSpec(num_classes=3, train_per_class=6, val_per_class=3, seed=5),
        size=48,
    )
    assert seeded.path not in (a.path, other.path)
    assert seeded.manifest["content_hash"] != a.manifest["content_hash"]
    with pytest.raises(ValueError, match="holds 3 caches"):
        resolve_cache_dir(tmp_path / "a")


def test_manifest_contents(tmp_path, synth_root):
    res = prepare_cache(synth_root, tmp_path / "c", SPEC, size=48, official_val=True)
    m = json.loads((res.path / "manifest.json").read_text())
    assert m["source_root"] == str(synth_root.resolve())
    assert m["size"] == 48 and m["seed"] == 0 and len(m["wnids"]) == 3
    assert m["counts"] == {"train": 18, "val": 9, "test": 9}
    assert m["skipped"] == []
    assert len(m["content_hash"]) == 64
    cache = open_cache(tmp_path / "c")
    assert isinstance(cache.train.images, np.memmap)
    assert cache.train.images.shape == (18, 48, 48, 3)
    assert cache.split("test").labels.tolist() == [y for _, y in m["files"]["test"]]
    # The stored image is the decoded file's centre square.
    first = Image.open(synth_root / m["files"]["train"][0][0])
    assert first.size != (48, 48)
    assert cache.train.images[0].std() > 5


def _jpeg_bytes(img: Image.Image, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", **kw)
    return buf.getvalue()


def _messy_folder(folder, rng) -> None:
    folder.mkdir(parents=True)
    for i in range(3):
        arr = rng.integers(0, 255, (120, 90, 3), dtype=np.uint8)
        Image.fromarray(arr).save(folder / f"ok_{i}.JPEG")
    rgb = Image.fromarray(rng.integers(0, 255, (100, 140, 3), dtype=np.uint8))
    (folder / "corrupt.JPEG").write_bytes(_jpeg_bytes(rgb)[:300])  # truncated
    (folder / "cmyk.JPEG").write_bytes(_jpeg_bytes(rgb.convert("CMYK")))
    (folder / "gray.JPEG").write_bytes(_jpeg_bytes(rgb.convert("L")))
    rgb.save(folder / "png.JPEG", "PNG")  # a PNG named .JPEG
    (folder / "garbage.JPEG").write_bytes(b"not an image at all")


def test_messy_files(tmp_path):
    root = tmp_path / "messy"
    rng = np.random.default_rng(0)
    for wnid in ("n00000001", "n00000002"):
        _messy_folder(root / "train" / wnid, rng)
    # 8 files per class: 1 held out, 7 for training, so every file is decoded.
    spec = SubsetSpec(num_classes=2, train_per_class=7, val_per_class=1, seed=0)
    res = prepare_cache(root, tmp_path / "cache", spec, size=32)
    assert {row["path"].split("/")[-1] for row in res.skipped} == {"corrupt.JPEG", "garbage.JPEG"}
    assert len(res.skipped) == 4  # two per class folder
    assert all(row["reason"] for row in res.skipped)
    files = [p for p, _ in res.manifest["files"]["train"] + res.manifest["files"]["val"]]
    assert {f.split("/")[-1] for f in files} == {
        "cmyk.JPEG",
        "gray.JPEG",
        "png.JPEG",
        "ok_0.JPEG",
        "ok_1.JPEG",
        "ok_2.JPEG",
    }
    cache = open_cache(res.path)
    assert len(cache.train) + len(cache.val) == 12
    assert cache.train.labels.tolist() == [y for _, y in res.manifest["files"]["train"]]
    for i, (path, _) in enumerate(res.manifest["files"]["train"]):
        img = cache.train.images[i]
        assert img.any()  # no zero rows left behind by a skipped file
        if path.endswith("gray.JPEG"):
            assert (img[..., 0] == img[..., 1]).all()  # grayscale became RGB


def test_bad_size(tmp_path, synth_root):
    with pytest.raises(ValueError, match="size must be an integer >= 32, got 16"):
        prepare_cache(synth_root, tmp_path, SPEC, size=16)


def test_open_missing_cache(tmp_path):
    with pytest.raises(ValueError, match="holds no cache"):
        open_cache(tmp_path)
    with pytest.raises(ValueError, match="does not exist"):
        open_cache(tmp_path / "nope")
