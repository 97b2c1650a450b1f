"""Decode one image file into a square uint8 array: short side to `size`, centre crop.

Pillow with JPEG draft mode was measured against torchvision's decoder (whose image I/O is
deprecated in torchvision 0.29): draft mode lets libjpeg decode at 1/2, 1/4 or 1/8 scale
when the target is that much smaller, which is most of the cost on ImageNet-sized files.
Pillow also reads CMYK and grayscale JPEGs and PNGs named .JPEG by their content.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image


def decode_square(path: str | Path, size: int) -> np.ndarray:
    """HxWx3 uint8 RGB of side `size`. Raises OSError/ValueError for unreadable files."""
    with Image.open(path) as im:
        if im.format == "JPEG":
            # Decode at the smallest scale still >= size on the short side.
            im.draft("RGB", (size, size))
        im = im.convert("RGB")  # CMYK, L, P, RGBA... -> RGB; forces a full (checked) load
        w, h = im.size
        scale = size / min(w, h)
        new_w, new_h = max(size, round(w * scale)), max(size, round(h * scale))
        if (new_w, new_h) != (w, h):
            im = im.resize((new_w, new_h), Image.BILINEAR, reducing_gap=3.0)
        left, top = (new_w - size) // 2, (new_h - size) // 2
        out = np.asarray(im.crop((left, top, left + size, top + size)), dtype=np.uint8)
    if out.shape != (size, size, 3):  # pragma: no cover - defensive
        raise ValueError(f"{path}: decoded to shape {out.shape}, expected {(size, size, 3)}")
    return out
