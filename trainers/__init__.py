"""Proxy training on ILSVRC-2012 subsets: layouts, subsets, a decoded cache, the loop."""

from __future__ import annotations

__all__: list[str] = []
