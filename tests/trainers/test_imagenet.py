"""Reading the layouts: every val layout, labels checked image by image; every error path."""

from __future__ import annotations

import csv
import shutil

import pytest

from trainers.imagenet import (
    DatasetLayoutError,
    class_images,
    detect_val_layout,
    read_synset_names,
    read_val,
    train_classes,
)
from trainers.synthetic import synth_classes, write_synthetic_imagenet


@pytest.mark.parametrize("layout", ["kaggle", "folders", "devkit"])
def test_val_layouts_read_image_by_image(tmp_path, layout):
    n_classes, per_class = 3, 2
    root = write_synthetic_imagenet(
        tmp_path / layout,
        num_classes=n_classes,
        train_per_class=1,
        val_per_class=per_class,
        val_layout=layout,
        workers=1,
    )
    assert detect_val_layout(root) == layout
    items = read_val(root, train_classes(root))
    assert len(items) == n_classes * per_class
    wnids = [c.wnid for c in synth_classes(n_classes)]
    for item in items:
        # Image number n of the official numbering belongs to class (n - 1) % classes.
        number = int(item.path.rsplit("_", 1)[-1].split(".")[0])
        assert item.wnid == wnids[(number - 1) % n_classes], item
        assert (root / item.path).is_file()
        if layout == "folders":
            assert item.path.startswith(f"val/{item.wnid}/")


def test_synset_names(synth_root):
    names = read_synset_names(synth_root)
    assert names["n90000000"] == "solid disc (fine, any)"


def test_missing_root_and_train(tmp_path):
    with pytest.raises(DatasetLayoutError, match=str(tmp_path / "nope")):
        train_classes(tmp_path / "nope")
    with pytest.raises(DatasetLayoutError, match=f"no train/ folder in {tmp_path}"):
        train_classes(tmp_path)


def test_train_without_classes(tmp_path):
    (tmp_path / "train").mkdir()
    with pytest.raises(DatasetLayoutError, match="holds no class folders"):
        train_classes(tmp_path)


def test_empty_class_folder(tmp_path):
    (tmp_path / "train" / "n01440764").mkdir(parents=True)
    (tmp_path / "train" / "n01440764" / "notes.txt").write_text("x")
    with pytest.raises(DatasetLayoutError, match=r"train/n01440764 holds no images"):
        class_images(tmp_path, "n01440764")


def test_val_label_with_unknown_wnid(tmp_path, synth_root):
    root = tmp_path / "copy"
    shutil.copytree(synth_root, root)
    csv_path = root / "LOC_val_solution.csv"
    rows = list(csv.reader(csv_path.open()))
    rows[1][1] = "n99999999 1 2 3 4"
    with csv_path.open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    with pytest.raises(DatasetLayoutError, match=r"LOC_val_solution.csv.*'n99999999'"):
        read_val(root, train_classes(root))


def test_flat_val_without_labels(tmp_path, synth_root):
    root = tmp_path / "copy"
    shutil.copytree(synth_root, root)
    (root / "LOC_val_solution.csv").unlink()
    with pytest.raises(DatasetLayoutError, match="flat images but no labels"):
        read_val(root)


def test_kaggle_csv_naming_missing_image(tmp_path, synth_root):
    root = tmp_path / "copy"
    shutil.copytree(synth_root, root)
    with (root / "LOC_val_solution.csv").open("a") as f:
        f.write("ILSVRC2012_val_00099999,n90000000 1 1 2 2\n")
    with pytest.raises(DatasetLayoutError, match="ILSVRC2012_val_00099999, not found"):
        read_val(root)


def test_devkit_without_meta(tmp_path):
    root = write_synthetic_imagenet(
        tmp_path / "d",
        num_classes=2,
        train_per_class=1,
        val_per_class=1,
        val_layout="devkit",
        workers=1,
    )
    (root / "ILSVRC2012_devkit_t12" / "data" / "meta.mat").unlink()
    with pytest.raises(DatasetLayoutError, match=r"meta\.mat"):
        read_val(root)


def test_no_val_folder_is_fine(tmp_path, synth_root):
    root = tmp_path / "copy"
    shutil.copytree(synth_root / "train", root / "train")
    assert read_val(root) == []
