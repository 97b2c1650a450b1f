"""Optuna in-process: one trial at a time, in this process."""

from __future__ import annotations

from collections.abc import Callable

from nas.search import SearchContext, TrialFailed, objective

CATCH = (TrialFailed, RuntimeError, ValueError, MemoryError, FloatingPointError)


def run_local(ctx: SearchContext, study, after_trial: Callable) -> None:
    """Run trials until n_trials or the time limit; KeyboardInterrupt propagates."""
    cfg = ctx.cfg
    study.optimize(
        lambda trial: objective(ctx, trial),
        n_trials=cfg.search.n_trials,
        timeout=cfg.search.timeout_s,
        catch=CATCH,
        callbacks=[after_trial],
        gc_after_trial=False,
    )
