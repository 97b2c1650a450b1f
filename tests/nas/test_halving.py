from __future__ import annotations

import pytest

from nas.halving import LatencyBandHalving, Peer


def test_rungs():
    h = LatencyBandHalving(eta=3, min_epoch=1)
    assert [e for e in range(1, 12) if h.is_rung(e)] == [1, 3, 9]


def test_cheap_model_compared_only_with_cheap_peers():
    h = LatencyBandHalving(eta=2, band=0.25, min_peers=3)
    slow_strong = [Peer(10.0, (0.8,)) for _ in range(5)]
    fast_weak = [Peer(1.0, (0.3,)), Peer(1.1, (0.2,)), Peer(0.9, (0.25,))]
    peers = slow_strong + fast_weak
    # A fast model at 0.31 is the best of its band: kept, though far below the slow ones.
    assert not h.should_prune(1, 0.31, 1.0, peers)
    # A fast model at 0.1 is the worst of its band: pruned.
    assert h.should_prune(1, 0.1, 1.0, peers)
    # Too few peers in the band: never pruned.
    assert not h.should_prune(1, 0.0, 5.0, peers)
    # Not a rung: never pruned.
    assert not h.should_prune(3, 0.0, 1.0, [Peer(1.0, (0.5, 0.5, 0.5))] * 5)


def test_bad_settings():
    with pytest.raises(ValueError, match="eta"):
        LatencyBandHalving(eta=1)
