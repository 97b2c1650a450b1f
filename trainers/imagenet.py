"""Reading ILSVRC-2012 folder layouts: train class folders and the three val layouts.

Train: ``ROOT/train/<wnid>/*.JPEG`` (the official train tarball, unpacked).
Val, whichever is present, in this order:
  1. class folders ``ROOT/val/<wnid>/*.JPEG``;
  2. flat ``ROOT/val/ILSVRC2012_val_XXXXXXXX.JPEG`` with Kaggle's ``LOC_val_solution.csv``;
  3. flat, with the devkit's ``ILSVRC2012_validation_ground_truth.txt`` and ``meta.mat``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

IMAGE_SUFFIXES = (".jpeg", ".jpg", ".png")
VAL_CSV = "LOC_val_solution.csv"
SYNSET_MAPPING = "LOC_synset_mapping.txt"
DEVKIT_GROUND_TRUTH = "ILSVRC2012_validation_ground_truth.txt"
DEVKIT_META = "meta.mat"


class DatasetLayoutError(ValueError):
    """The folder does not look like an ILSVRC-2012 copy; the message names the path."""


def is_image_file(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES and not path.name.startswith(".")


def list_images(folder: Path) -> list[str]:
    """File names of the images in `folder`, sorted so every machine sees the same order."""
    return sorted(p.name for p in folder.iterdir() if p.is_file() and is_image_file(p))


def train_classes(root: Path) -> list[str]:
    """The wnids of `ROOT/train/`, sorted. Errors name the missing or empty folder."""
    train = Path(root) / "train"
    if not Path(root).is_dir():
        raise DatasetLayoutError(f"dataset root {root} does not exist or is not a folder")
    if not train.is_dir():
        raise DatasetLayoutError(
            f"no train/ folder in {root}: expected the ILSVRC-2012 layout ROOT/train/<wnid>/*.JPEG"
        )
    wnids = sorted(p.name for p in train.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not wnids:
        raise DatasetLayoutError(f"{train} holds no class folders (expected train/<wnid>/)")
    return wnids


def class_images(root: Path, wnid: str) -> list[str]:
    """Sorted image file names of one train class; an empty folder is an error naming it."""
    folder = Path(root) / "train" / wnid
    if not folder.is_dir():
        raise DatasetLayoutError(f"class folder {folder} does not exist")
    names = list_images(folder)
    if not names:
        raise DatasetLayoutError(f"class folder {folder} holds no images (.JPEG, .jpg, .png)")
    return names


def read_synset_names(root: Path) -> dict[str, str]:
    """wnid -> human name from `LOC_synset_mapping.txt` when present (ROOT or ROOT/..)."""
    for candidate in (Path(root) / SYNSET_MAPPING, Path(root).parent / SYNSET_MAPPING):
        if candidate.is_file():
            names = {}
            for line in candidate.read_text().splitlines():
                wnid, _, name = line.strip().partition(" ")
                if wnid:
                    names[wnid] = name.strip()
            return names
    return {}


@dataclass(frozen=True)
class ValImage:
    """One official validation image: its path relative to ROOT and its wnid."""

    path: str
    wnid: str


def _find_file(root: Path, name: str, subdirs: tuple[str, ...]) -> Path | None:
    for sub in subdirs:
        candidate = Path(root) / sub / name
        if candidate.is_file():
            return candidate
    return None


def detect_val_layout(root: Path) -> str | None:
    """`folders`, `kaggle`, `devkit`, or None when ROOT has no val images."""
    val = Path(root) / "val"
    if not val.is_dir():
        return None
    if any(p.is_dir() and not p.name.startswith(".") for p in val.iterdir()):
        return "folders"
    if _find_file(root, VAL_CSV, (".", "val", "..")):
        return "kaggle"
    if _find_file(root, DEVKIT_GROUND_TRUTH, _DEVKIT_DIRS):
        return "devkit"
    if list_images(val):
        raise DatasetLayoutError(
            f"{val} holds flat images but no labels: expected {VAL_CSV} (Kaggle) or the devkit's "
            f"{DEVKIT_GROUND_TRUTH} and {DEVKIT_META}"
        )
    return None


_DEVKIT_DIRS = (".", "val", "ILSVRC2012_devkit_t12/data", "devkit/data", "..")


def read_val(root: Path, known_wnids: list[str] | None = None) -> list[ValImage]:
    """Every official val image with its label, sorted by path; [] when there is no val/.

    A label naming a wnid that `train/` does not have is an error naming the label's source.
    """
    root = Path(root)
    layout = detect_val_layout(root)
    if layout is None:
        return []
    if layout == "folders":
        items = _read_val_folders(root)
        source = root / "val"
    elif layout == "kaggle":
        source = _find_file(root, VAL_CSV, (".", "val", ".."))
        items = _read_val_kaggle(root, source)
    else:
        source = _find_file(root, DEVKIT_GROUND_TRUTH, _DEVKIT_DIRS)
        items = _read_val_devkit(root, source)
    if known_wnids is not None:
        known = set(known_wnids)
        for item in items:
            if item.wnid not in known:
                raise DatasetLayoutError(
                    f"{source}: val image {item.path} is labelled {item.wnid!r}, "
                    "which is not a class folder in train/"
                )
    return sorted(items, key=lambda v: v.path)


def _read_val_folders(root: Path) -> list[ValImage]:
    val = root / "val"
    items = []
    for folder in sorted(p for p in val.iterdir() if p.is_dir() and not p.name.startswith(".")):
        items.extend(
            ValImage(f"val/{folder.name}/{name}", folder.name) for name in list_images(folder)
        )
    return items


def _read_val_kaggle(root: Path, csv_path: Path) -> list[ValImage]:
    val = root / "val"
    present = {Path(n).stem: n for n in list_images(val)}
    items = []
    with csv_path.open(newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames is None or not {"ImageId", "PredictionString"} <= set(
            reader.fieldnames
        ):
            raise DatasetLayoutError(
                f"{csv_path}: expected the columns ImageId,PredictionString, "
                f"got {reader.fieldnames}"
            )
        for row in reader:
            image_id = row["ImageId"].strip()
            tokens = row["PredictionString"].split()
            if not tokens:
                raise DatasetLayoutError(f"{csv_path}: no label for {image_id}")
            name = present.get(image_id)
            if name is None:
                raise DatasetLayoutError(f"{csv_path}: labels {image_id}, not found in {val}")
            items.append(ValImage(f"val/{name}", tokens[0]))
    return items


def _read_val_devkit(root: Path, truth_path: Path) -> list[ValImage]:
    meta_path = truth_path.parent / DEVKIT_META
    if not meta_path.is_file():
        raise DatasetLayoutError(
            f"{truth_path} found but not {meta_path} (the devkit's id -> wnid map)"
        )
    try:
        from scipy.io import loadmat
    except ImportError:  # pragma: no cover - scipy is in the dev extra
        raise DatasetLayoutError(
            f"reading {meta_path} needs scipy: pip install 'mbv1-nas[devkit]'"
        ) from None
    synsets = loadmat(str(meta_path), squeeze_me=True)["synsets"]
    id_to_wnid = {int(s["ILSVRC2012_ID"]): str(s["WNID"]) for s in synsets}
    labels = [int(line) for line in truth_path.read_text().split()]
    val = root / "val"
    names = list_images(val)
    by_number = {}
    for name in names:
        # ILSVRC2012_val_00000001.JPEG: the number is the line of the ground-truth file.
        stem = Path(name).stem
        try:
            by_number[int(stem.rsplit("_", 1)[-1])] = name
        except ValueError:
            raise DatasetLayoutError(
                f"{val / name}: not an ILSVRC2012_val_XXXXXXXX name"
            ) from None
    items = []
    for number, name in sorted(by_number.items()):
        if number > len(labels):
            raise DatasetLayoutError(f"{truth_path} has {len(labels)} labels, none for {name}")
        ilsvrc_id = labels[number - 1]
        if ilsvrc_id not in id_to_wnid:
            raise DatasetLayoutError(
                f"{truth_path}: label {ilsvrc_id} for {name} not in {meta_path}"
            )
        items.append(ValImage(f"val/{name}", id_to_wnid[ilsvrc_id]))
    return items
