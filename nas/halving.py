"""Successive halving whose rungs compare a trial only with trials of similar latency.

Optuna has no pruning for multi-objective studies, and a plain accuracy rung would kill
every cheap model for being cheap. Here a trial at a rung epoch is compared with the trials
whose latency lies within a band around its own (|log(lat / lat_peer)| <= log(1 + band));
it continues only if its accuracy is in the top 1/eta of that band.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Peer:
    latency_ms: float
    # top-1 after each epoch, epoch 1 first
    history: tuple[float, ...]


@dataclass(frozen=True)
class LatencyBandHalving:
    eta: int = 3
    # Rungs at epochs min_epoch, min_epoch * eta, ...
    min_epoch: int = 1
    band: float = 0.25
    # Fewer peers than this at a rung: never prune (not enough evidence).
    min_peers: int = 3

    def __post_init__(self) -> None:
        if self.eta < 2:
            raise ValueError(f"eta must be >= 2, got {self.eta}")
        if self.min_epoch < 1:
            raise ValueError(f"min_epoch must be >= 1, got {self.min_epoch}")
        if self.band <= 0:
            raise ValueError(f"band must be > 0, got {self.band}")

    def is_rung(self, epoch: int) -> bool:
        e = self.min_epoch
        while e <= epoch:
            if e == epoch:
                return True
            e *= self.eta
        return False

    def should_prune(
        self, epoch: int, accuracy: float, latency_ms: float, peers: list[Peer]
    ) -> bool:
        """Prune at a rung unless `accuracy` is in the top 1/eta of the latency band."""
        if not self.is_rung(epoch):
            return False
        limit = math.log1p(self.band)
        scores = [
            p.history[epoch - 1]
            for p in peers
            if len(p.history) >= epoch and abs(math.log(latency_ms / p.latency_ms)) <= limit
        ]
        if len(scores) < self.min_peers:
            return False
        keep = max(1, math.ceil((len(scores) + 1) / self.eta))
        better = sum(s > accuracy for s in scores)
        return better >= keep
