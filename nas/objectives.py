"""Objectives and the latency constraint: pure functions over plain numbers.

Conventions follow Optuna: a constraint value <= 0 means feasible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

NoisePolicy = Literal["median", "p90"]
MNAS_W = -0.07  # Tan et al. 2019 (MnasNet), Section 3: alpha = beta = -0.07


def _check_budget(budget_ms: float) -> None:
    if isinstance(budget_ms, bool) or not isinstance(budget_ms, (int, float)):
        raise ValueError(f"latency budget must be a number of milliseconds, got {budget_ms!r}")
    if not math.isfinite(budget_ms) or budget_ms <= 0:
        raise ValueError(f"latency budget must be a positive number of ms, got {budget_ms!r}")


def _check_latency(latency_ms: float) -> None:
    if (
        not isinstance(latency_ms, (int, float))
        or not math.isfinite(latency_ms)
        or latency_ms <= 0
    ):
        raise ValueError(f"latency must be a positive number of ms, got {latency_ms!r}")


def budget_latency(median_ms: float, p90_ms: float | None, policy: NoisePolicy) -> float:
    """The latency the hard budget is checked against: the median, or the (noisier) p90."""
    if policy == "median":
        return median_ms
    if policy == "p90":
        return p90_ms if p90_ms is not None else median_ms
    raise ValueError(f"noise policy must be 'median' or 'p90', got {policy!r}")


def constraint_value(latency_ms: float, budget_ms: float) -> float:
    """latency - budget: <= 0 is feasible (Optuna's constraint convention)."""
    _check_budget(budget_ms)
    _check_latency(latency_ms)
    return latency_ms - budget_ms


def is_feasible(latency_ms: float, budget_ms: float) -> bool:
    """Hard budget: latency <= T (a candidate exactly at the budget meets it)."""
    return constraint_value(latency_ms, budget_ms) <= 0


@dataclass(frozen=True)
class BudgetCheck:
    feasible: bool
    # The median meets the budget but the p90 does not: within measurement noise of T.
    noisy: bool
    latency_ms: float  # the value checked (per the policy)


def check_budget(
    median_ms: float, p90_ms: float | None, budget_ms: float, policy: NoisePolicy = "median"
) -> BudgetCheck:
    """Feasibility under `policy`, with the noise flag for candidates near the budget."""
    value = budget_latency(median_ms, p90_ms, policy)
    noisy = p90_ms is not None and median_ms <= budget_ms < p90_ms
    return BudgetCheck(is_feasible(value, budget_ms), noisy, value)


def mnas_reward(accuracy: float, latency_ms: float, target_ms: float, w: float = MNAS_W) -> float:
    """MnasNet's soft reward ACC * (LAT / T) ** w, the same w on both sides of T.

    With w < 0, a model faster than T is rewarded a little and a slower one penalised a
    little, so the search trades accuracy and latency smoothly around the target.
    """
    _check_budget(target_ms)
    _check_latency(latency_ms)
    if not isinstance(accuracy, (int, float)) or not math.isfinite(accuracy) or accuracy < 0:
        raise ValueError(f"accuracy must be a finite number >= 0, got {accuracy!r}")
    if w > 0:
        raise ValueError(f"w must be <= 0 (a slower model is never rewarded), got {w!r}")
    return accuracy * (latency_ms / target_ms) ** w
