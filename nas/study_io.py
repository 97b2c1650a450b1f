"""Reading finished studies back (for `nas pareto` and `nas export`)."""

from __future__ import annotations

from typing import Any

from nas.search import compute_frontier, frontier_rows, mask_password


def load_study(study_name: str, storage: str):
    """Load an existing study; a clear error lists the studies that do exist."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        names = optuna.get_all_study_names(storage=storage)
    except Exception as err:  # bad URL, unreachable database
        raise ValueError(f"cannot open storage {mask_password(storage)}: {err}") from None
    if study_name not in names:
        raise ValueError(
            f"no study named {study_name!r} in {mask_password(storage)}; "
            f"studies there: {sorted(names) or 'none'}"
        )
    return optuna.load_study(study_name=study_name, storage=storage)


def frontier_report(study) -> dict[str, Any]:
    budget = float(study.user_attrs.get("budget_ms", float("inf")))
    trials = study.get_trials(deepcopy=False)
    frontier = compute_frontier(trials, budget)
    rows = frontier_rows(frontier, trials)
    return {
        "study": study.study_name,
        "budget_ms": budget,
        "trials": len(trials),
        "hypervolume": frontier.hypervolume,
        "frontier": rows,
    }
