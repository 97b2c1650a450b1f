"""Latency-constrained search over the MobileNet v1 family: configs, latency, backends, CLI."""

from __future__ import annotations

__all__: list[str] = []
