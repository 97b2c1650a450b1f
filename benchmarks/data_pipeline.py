"""Cache loader vs the usual torchvision pipeline, same images, batch and resolution.

    .venv/bin/python benchmarks/data_pipeline.py [--classes 20 --per-class 110]

Writes ImageNet-sized synthetic JPEGs (>= 2,000 train images), then in one run measures:
  * the one-off cost of building the decode-once cache (`prepare_cache`);
  * images/s of one training epoch through `CacheLoader` (random-resized crop + flip on
    whole uint8 batches, resize to 128, normalise);
  * images/s of one epoch through ImageFolder + RandomResizedCrop + RandomHorizontalFlip +
    ToTensor + Normalize with a DataLoader of 2 workers, decoding every JPEG every epoch;
  * the loader's peak memory (private, and file-backed pages of the memory map).
Prints a JSON line with the ratio. Target: >= 5x per epoch, memory well under the cache size.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch
from torch.utils.data import DataLoader, Subset
from torchvision import datasets, transforms

from benchmarks._common import PeakMemory, print_result
from trainers.cache import open_cache, prepare_cache
from trainers.loader import IMAGENET_MEAN, IMAGENET_STD, CacheLoader
from trainers.runtime import keep_freed_memory
from trainers.subset import SubsetSpec
from trainers.synthetic import write_synthetic_imagenet


def torchvision_epoch(root: Path, files: list[str], batch: int, res: int, workers: int):
    tf = transforms.Compose(
        [
            transforms.RandomResizedCrop(res, scale=(0.25, 1.0)),
            transforms.RandomHorizontalFlip(),
            transforms.ToTensor(),
            transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD),
        ]
    )
    full = datasets.ImageFolder(str(root / "train"), transform=tf)
    wanted = {str((root / p).resolve()) for p in files}
    index = [i for i, (p, _) in enumerate(full.samples) if str(Path(p).resolve()) in wanted]
    assert len(index) == len(files), (len(index), len(files))
    loader = DataLoader(
        Subset(full, index),
        batch_size=batch,
        shuffle=True,
        num_workers=workers,
        drop_last=True,
        persistent_workers=False,
    )
    n = 0
    start = time.perf_counter()
    for x, _ in loader:
        n += x.shape[0]
    return n, time.perf_counter() - start


def cache_epoch(cache_path: Path, batch: int, res: int):
    cache = open_cache(cache_path)
    loader = CacheLoader(cache.train, batch_size=batch, resolution=res, train=True, seed=0)
    n = 0
    with PeakMemory() as mem:
        start = time.perf_counter()
        for x, _ in loader:
            n += x.shape[0]
        seconds = time.perf_counter() - start
    return n, seconds, mem


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--classes", type=int, default=20)
    p.add_argument("--per-class", type=int, default=110, help="train images per class")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--resolution", type=int, default=128)
    p.add_argument("--size", type=int, default=160, help="cached square side")
    p.add_argument("--workers", type=int, default=2, help="DataLoader workers (baseline)")
    p.add_argument("--workdir", type=Path, default=None)
    args = p.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    keep_freed_memory()

    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        root = Path(tmp) / "imagenet"
        t = time.perf_counter()
        write_synthetic_imagenet(
            root, num_classes=args.classes, train_per_class=args.per_class, val_per_class=0, seed=0
        )
        print(
            f"wrote {args.classes * args.per_class} JPEGs in {time.perf_counter() - t:.1f}s",
            file=sys.stderr,
        )
        spec = SubsetSpec(
            num_classes=args.classes, train_per_class=args.per_class - 10, val_per_class=10, seed=0
        )
        t = time.perf_counter()
        res = prepare_cache(root, Path(tmp) / "cache", spec, size=args.size)
        build_s = time.perf_counter() - t
        files = [p for p, _ in res.manifest["files"]["train"]]
        disk_mib = sum(f.stat().st_size for f in res.path.glob("*.npy")) / 2**20

        n_tv, tv_s = torchvision_epoch(root, files, args.batch, args.resolution, args.workers)
        n_c, c_s, mem = cache_epoch(res.path, args.batch, args.resolution)

    tv_ips, c_ips = n_tv / tv_s, n_c / c_s
    print(
        f"torchvision ImageFolder+DataLoader({args.workers} workers): {tv_ips:,.0f} img/s",
        file=sys.stderr,
    )
    print(
        f"cache loader: {c_ips:,.0f} img/s; cache build {build_s:.1f}s "
        f"({len(files) / build_s * 1:,.0f} train img/s incl. val split), {disk_mib:.0f} MiB",
        file=sys.stderr,
    )
    print_result(
        "data_pipeline",
        images=len(files),
        batch=args.batch,
        resolution=args.resolution,
        cache_size=args.size,
        torchvision_images_per_s=round(tv_ips, 1),
        cache_images_per_s=round(c_ips, 1),
        ratio=round(c_ips / tv_ips, 2),
        cache_build_s=round(build_s, 2),
        cache_build_breakeven_epochs=round(build_s / (n_tv / tv_ips - n_c / c_ips), 2),
        cache_disk_mib=round(disk_mib, 1),
        loader_peak_private_mib=round(mem.peak_anon / 1024, 1),
        loader_peak_file_backed_mib=round(mem.peak_file / 1024, 1),
    )


if __name__ == "__main__":
    main()
