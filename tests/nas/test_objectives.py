from __future__ import annotations

import math

import pytest

from nas.objectives import (
    budget_latency,
    check_budget,
    constraint_value,
    is_feasible,
    mnas_reward,
)


def test_hard_budget_edges():
    assert is_feasible(9.99, 10.0)
    assert is_feasible(10.0, 10.0)  # exactly at the budget meets it
    assert not is_feasible(10.01, 10.0)
    assert constraint_value(12.0, 10.0) == pytest.approx(2.0)
    assert constraint_value(8.0, 10.0) == pytest.approx(-2.0)


def test_mnas_reward_sign_and_symmetry():
    assert mnas_reward(0.7, 10.0, 10.0) == pytest.approx(0.7)
    faster, slower = mnas_reward(0.7, 5.0, 10.0), mnas_reward(0.7, 20.0, 10.0)
    assert faster > 0.7 > slower
    # The same exponent on both sides: halving and doubling are mirror images in log space.
    assert math.log(faster / 0.7) == pytest.approx(-math.log(slower / 0.7))
    assert mnas_reward(0.7, 20.0, 10.0) == pytest.approx(0.7 * 2**-0.07)
    assert mnas_reward(0.0, 5.0, 10.0) == 0.0


def test_noise_policy_and_flag():
    near = check_budget(9.5, 10.5, 10.0, "median")
    assert near.feasible and near.noisy and near.latency_ms == 9.5
    strict = check_budget(9.5, 10.5, 10.0, "p90")
    assert not strict.feasible and strict.noisy and strict.latency_ms == 10.5
    clear = check_budget(8.0, 9.0, 10.0, "p90")
    assert clear.feasible and not clear.noisy
    over = check_budget(11.0, 12.0, 10.0)
    assert not over.feasible and not over.noisy
    assert budget_latency(5.0, None, "p90") == 5.0  # a prediction has no p90


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: is_feasible(5.0, -1.0), "budget must be a positive number of ms, got -1.0"),
        (lambda: is_feasible(5.0, 0), "budget"),
        (lambda: is_feasible(float("nan"), 10.0), "latency must be a positive"),
        (lambda: mnas_reward(0.5, 5.0, 10.0, w=0.1), "w must be <= 0"),
        (lambda: mnas_reward(float("nan"), 5.0, 10.0), "accuracy"),
        (lambda: budget_latency(1.0, 2.0, "mean"), "noise policy"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
