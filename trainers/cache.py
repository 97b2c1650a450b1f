"""The decode-once cache: a subset decoded to uint8 arrays in memory-mappable .npy files.

Layout of one cache (``OUT/<key>/``, the key a hash of every argument and the chosen files):
  manifest.json              source root, wnids, files, skipped files, size, seed, hash
  {split}_images.npy         (N, size, size, 3) uint8, NHWC (= channels-last once permuted)
  {split}_labels.npy         (N,) int64
Splits: ``train`` and ``val`` (held out from train/), ``test`` (official val, optional).
A cache is built in a temporary folder and renamed into place, so a crash never leaves a
half-written cache that a later run would reuse.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from trainers.decode import decode_square
from trainers.imagenet import read_synset_names, read_val, train_classes
from trainers.subset import Subset, SubsetSpec, select_subset

CACHE_FORMAT = 1
MANIFEST = "manifest.json"
SPLITS = ("train", "val", "test")
MIN_SIZE = 32

ProgressFn = Callable[[int, int], None]


@dataclass(frozen=True)
class PrepareResult:
    path: Path
    reused: bool
    manifest: dict[str, Any]

    @property
    def skipped(self) -> list[dict[str, str]]:
        return self.manifest["skipped"]


def _file_list(subset: Subset, root: Path, official_val: bool) -> dict[str, list[list]]:
    files: dict[str, list[list]] = {
        "train": [[p, y] for p, y in subset.train],
        "val": [[p, y] for p, y in subset.val],
    }
    if official_val:
        index = {w: i for i, w in enumerate(subset.wnids)}
        files["test"] = [
            [v.path, index[v.wnid]] for v in read_val(root, train_classes(root)) if v.wnid in index
        ]
    return files


def cache_key(root: Path, spec: SubsetSpec, size: int, files: dict[str, list[list]]) -> str:
    """Hash of everything that decides the arrays: arguments, files and their byte sizes."""
    sizes = {
        split: [[p, y, (root / p).stat().st_size] for p, y in rows]
        for split, rows in files.items()
    }
    blob = json.dumps(
        {
            "format": CACHE_FORMAT,
            "root": str(root),
            "spec": spec.to_dict(),
            "size": size,
            "files": sizes,
        },
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _decode_chunk(args: tuple[str, str, int, int, list[str]]) -> list[tuple[int, str]]:
    """Worker: decode `paths` into rows `start..` of the .npy at `array_path`."""
    array_path, root, size, start, paths = args
    arr = np.load(array_path, mmap_mode="r+")
    failures = []
    for i, rel in enumerate(paths):
        try:
            arr[start + i] = decode_square(Path(root) / rel, size)
        except Exception as err:  # any unreadable file is skipped and listed, never fatal
            arr[start + i] = 0
            failures.append((start + i, f"{type(err).__name__}: {err}"))
    arr.flush()
    del arr
    return failures


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            h.update(block)
    return h.hexdigest()


def prepare_cache(
    root: Path,
    out: Path,
    spec: SubsetSpec,
    *,
    size: int = 160,
    official_val: bool = False,
    workers: int | None = None,
    progress: ProgressFn | None = None,
) -> PrepareResult:
    """Decode the subset of `root` chosen by `spec` once into `out/<key>/`; reuse if there.

    Args:
        root: ILSVRC-2012 root (holds ``train/``, optionally ``val/``).
        out: folder holding caches; each argument set gets its own sub-folder.
        spec: which classes and images.
        size: side of the stored squares; at least the largest resolution searched.
        official_val: also decode the official val images of the chosen classes (``test``).
        workers: decoding processes (default: every core).
        progress: called with (images done, images total) while decoding.
    """
    if isinstance(size, bool) or not isinstance(size, int) or size < MIN_SIZE:
        raise ValueError(f"size must be an integer >= {MIN_SIZE}, got {size!r}")
    root = Path(root).resolve()
    out = Path(out)
    subset = select_subset(root, spec)
    files = _file_list(subset, root, official_val)
    if official_val and not files["test"]:
        raise ValueError(
            f"official_val asked for, but {root / 'val'} has no images of these classes"
        )
    key = cache_key(root, spec, size, files)
    final = out / key
    if (final / MANIFEST).is_file():
        return PrepareResult(final, True, json.loads((final / MANIFEST).read_text()))

    out.mkdir(parents=True, exist_ok=True)
    tmp = out / f".{key}.partial-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    started = time.perf_counter()
    try:
        skipped = _decode_splits(root, tmp, files, size, workers, progress)
        manifest = _write_manifest(root, tmp, spec, subset, files, skipped, size, key)
        manifest["build_seconds"] = round(time.perf_counter() - started, 3)
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1))
        try:
            tmp.rename(final)
        except OSError:
            # Another process finished the same cache first: keep theirs, identical by key.
            if not (final / MANIFEST).is_file():
                raise
            shutil.rmtree(tmp, ignore_errors=True)
            return PrepareResult(final, True, json.loads((final / MANIFEST).read_text()))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return PrepareResult(final, False, manifest)


def _decode_splits(root, tmp, files, size, workers, progress) -> list[dict[str, str]]:
    total = sum(len(rows) for rows in files.values())
    workers = max(1, workers or os.cpu_count() or 1)
    chunk = 32
    jobs = []
    for split, rows in files.items():
        path = tmp / f"{split}_images.npy"
        arr = np.lib.format.open_memmap(
            path, mode="w+", dtype=np.uint8, shape=(len(rows), size, size, 3)
        )
        del arr
        paths = [p for p, _ in rows]
        for start in range(0, len(paths), chunk):
            jobs.append((split, (str(path), str(root), size, start, paths[start : start + chunk])))
    failures: dict[str, list[tuple[int, str]]] = {s: [] for s in files}
    done = 0
    if progress is not None:
        progress(0, total)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [(split, pool.submit(_decode_chunk, job)) for split, job in jobs]
        for (split, fut), (_, job) in zip(futures, jobs, strict=True):
            failures[split].extend(fut.result())
            done += len(job[4])
            if progress is not None:
                progress(done, total)

    skipped = []
    for split, rows in files.items():
        bad = {i for i, _ in failures[split]}
        skipped.extend(
            {"split": split, "path": rows[i][0], "reason": reason} for i, reason in failures[split]
        )
        keep = [i for i in range(len(rows)) if i not in bad]
        if bad:
            _compact(tmp / f"{split}_images.npy", keep)
            files[split] = [rows[i] for i in keep]
        labels = np.array([y for _, y in files[split]], dtype=np.int64)
        np.save(tmp / f"{split}_labels.npy", labels)
    return skipped


def _compact(path: Path, keep: list[int]) -> None:
    src = np.load(path, mmap_mode="r")
    dst_path = path.with_suffix(".compact.npy")
    dst = np.lib.format.open_memmap(
        dst_path, mode="w+", dtype=np.uint8, shape=(len(keep), *src.shape[1:])
    )
    for j in range(0, len(keep), 256):
        dst[j : j + 256] = src[keep[j : j + 256]]
    dst.flush()
    del src, dst
    dst_path.replace(path)


def _write_manifest(root, tmp, spec, subset, files, skipped, size, key) -> dict[str, Any]:
    h = hashlib.sha256()
    hashes = {}
    for split in files:
        for kind in ("images", "labels"):
            digest = _sha256_file(tmp / f"{split}_{kind}.npy")
            hashes[f"{split}_{kind}"] = digest
            h.update(digest.encode())
    names = read_synset_names(root)
    return {
        "format": CACHE_FORMAT,
        "key": key,
        "source_root": str(root),
        "spec": spec.to_dict(),
        "seed": spec.seed,
        "size": size,
        "wnids": list(subset.wnids),
        "class_names": [names.get(w, w) for w in subset.wnids],
        "counts": {split: len(rows) for split, rows in files.items()},
        "files": files,
        "skipped": skipped,
        "array_hashes": hashes,
        "content_hash": h.hexdigest(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


@dataclass
class CacheSplit:
    """One split of an open cache: memory-mapped images, labels in memory."""

    images: np.ndarray  # (N, S, S, 3) uint8, np.memmap
    labels: np.ndarray  # (N,) int64

    def __len__(self) -> int:
        return len(self.labels)


@dataclass
class Cache:
    path: Path
    manifest: dict[str, Any]
    splits: dict[str, CacheSplit]

    @property
    def num_classes(self) -> int:
        return len(self.manifest["wnids"])

    @property
    def size(self) -> int:
        return int(self.manifest["size"])

    @property
    def content_hash(self) -> str:
        return self.manifest["content_hash"]

    @property
    def train(self) -> CacheSplit:
        return self.splits["train"]

    @property
    def val(self) -> CacheSplit:
        return self.splits["val"]

    def split(self, name: str) -> CacheSplit:
        if name not in self.splits:
            raise ValueError(
                f"cache {self.path} has no {name!r} split (has {sorted(self.splits)})"
            )
        return self.splits[name]


def resolve_cache_dir(path: Path) -> Path:
    """`path` itself when it holds a manifest, else its only cache sub-folder."""
    path = Path(path)
    if (path / MANIFEST).is_file():
        return path
    if not path.is_dir():
        raise ValueError(f"cache {path} does not exist (make one with `nas data prepare`)")
    found = sorted(p for p in path.iterdir() if (p / MANIFEST).is_file())
    if len(found) == 1:
        return found[0]
    if not found:
        raise ValueError(
            f"{path} holds no cache (no {MANIFEST}); make one with `nas data prepare`"
        )
    raise ValueError(
        f"{path} holds {len(found)} caches; name one of: " + ", ".join(str(p) for p in found)
    )


def open_cache(path: Path) -> Cache:
    """Open a cache for reading; images stay on disk, memory-mapped."""
    path = resolve_cache_dir(path)
    manifest = json.loads((path / MANIFEST).read_text())
    if manifest.get("format") != CACHE_FORMAT:
        raise ValueError(f"{path}: cache format {manifest.get('format')}, expected {CACHE_FORMAT}")
    splits = {}
    for split in SPLITS:
        images = path / f"{split}_images.npy"
        if images.is_file():
            splits[split] = CacheSplit(
                images=np.load(images, mmap_mode="r"),
                labels=np.load(path / f"{split}_labels.npy"),
            )
    return Cache(path=path, manifest=manifest, splits=splits)
