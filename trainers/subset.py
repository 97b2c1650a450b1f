"""Deterministic ILSVRC subsets: which classes, which images, on any machine.

Choices are made by ranking names with a seeded SHA-256 rather than by a library RNG, so the
same arguments give the same files whatever the Python or NumPy version. The held-out split
is drawn first, so asking for more training images never moves an image into validation.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from trainers.imagenet import DatasetLayoutError, class_images, train_classes


def _rank(seed: int, *parts: str) -> str:
    return hashlib.sha256(":".join((str(seed), *parts)).encode()).hexdigest()


def seeded_order(items: list[str], seed: int, salt: str = "") -> list[str]:
    """`items` in a pseudo-random order fixed by `seed` (and `salt`) on every machine."""
    return sorted(items, key=lambda name: _rank(seed, salt, name))


@dataclass(frozen=True)
class SubsetSpec:
    """Which part of ILSVRC a search trains on."""

    # Number of classes drawn from train/ (ignored when `wnids` is given).
    num_classes: int | None = 100
    # An explicit, ordered class list (e.g. read from a file with one wnid per line).
    wnids: tuple[str, ...] | None = None
    # Images per class used for training the proxies.
    train_per_class: int = 260
    # Images per class held out from train/ for the search's validation.
    val_per_class: int = 50
    # Seed of every choice above.
    seed: int = 0

    def __post_init__(self) -> None:
        if self.wnids is None:
            n = self.num_classes
            if isinstance(n, bool) or not isinstance(n, int) or n < 2:
                raise ValueError(f"num_classes must be an integer >= 2, got {n!r}")
        else:
            wnids = tuple(self.wnids)
            if len(wnids) < 2:
                raise ValueError(f"wnids must list at least 2 classes, got {list(wnids)}")
            if len(set(wnids)) != len(wnids):
                dup = sorted({w for w in wnids if wnids.count(w) > 1})
                raise ValueError(f"wnids lists a class twice: {dup}")
            object.__setattr__(self, "wnids", wnids)
            object.__setattr__(self, "num_classes", len(wnids))
        for name in ("train_per_class", "val_per_class"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {v!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise ValueError(f"seed must be an integer, got {self.seed!r}")

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["wnids"] = list(self.wnids) if self.wnids is not None else None
        return out


def read_wnid_file(path: Path) -> tuple[str, ...]:
    """One wnid per line (blank lines and `#` comments ignored)."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"class list {path} does not exist")
    wnids = []
    for line in path.read_text().splitlines():
        word = line.split("#", 1)[0].strip().split()
        if word:
            wnids.append(word[0])
    if not wnids:
        raise ValueError(f"class list {path} names no classes")
    return tuple(wnids)


@dataclass(frozen=True)
class Subset:
    """The chosen files. Paths are relative to the dataset root; labels index `wnids`."""

    wnids: tuple[str, ...]
    train: tuple[tuple[str, int], ...]
    val: tuple[tuple[str, int], ...]
    spec: SubsetSpec = field(compare=False)


def select_subset(root: Path, spec: SubsetSpec) -> Subset:
    """Pick classes and images of `root` per `spec`; errors name the class folder at fault."""
    root = Path(root)
    available = train_classes(root)
    if spec.wnids is not None:
        missing = [w for w in spec.wnids if w not in set(available)]
        if missing:
            raise DatasetLayoutError(
                f"class(es) {missing} not found in {root / 'train'} "
                f"({len(available)} classes there)"
            )
        wnids = tuple(spec.wnids)
    else:
        if spec.num_classes > len(available):
            raise DatasetLayoutError(
                f"asked for {spec.num_classes} classes but {root / 'train'} has {len(available)}"
            )
        wnids = tuple(sorted(seeded_order(available, spec.seed, "classes")[: spec.num_classes]))

    need = spec.train_per_class + spec.val_per_class
    train: list[tuple[str, int]] = []
    val: list[tuple[str, int]] = []
    for label, wnid in enumerate(wnids):
        names = class_images(root, wnid)
        if len(names) < need:
            raise DatasetLayoutError(
                f"class folder {root / 'train' / wnid} has {len(names)} images, fewer than "
                f"train_per_class + val_per_class = {need}"
            )
        order = seeded_order(names, spec.seed, wnid)
        held_out = sorted(order[: spec.val_per_class])
        chosen = sorted(order[spec.val_per_class : need])
        val.extend((f"train/{wnid}/{n}", label) for n in held_out)
        train.extend((f"train/{wnid}/{n}", label) for n in chosen)
    return Subset(wnids=wnids, train=tuple(train), val=tuple(val), spec=spec)
