"""What a trial costs outside training, and what an infeasible trial costs.

    .venv/bin/python benchmarks/search_overhead.py [--trials 8 --epochs 2]

Runs two real searches on a generated synthetic set (SQLite study, local MLflow store, the
latency table built once beforehand): one whose budget admits every candidate, one whose
budget rules every candidate out. Reports, in one run:
  * per trained trial: time outside training (sampling, latency lookup, storage writes,
    MLflow child run, frontier refresh with plots) against its training time;
  * an infeasible trial's whole cost against a trained trial's.
Targets: overhead < 5% of a trained trial; an infeasible trial < 1% of one.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import optuna

from benchmarks._common import print_result
from nas.config import parse_experiment
from nas.runner import run_search
from nas.search import trial_attrs


def experiment(tmp: Path, budget_ms: float, trials: int, epochs: int, name: str):
    return parse_experiment(
        {
            "workdir": str(tmp),
            "space": {"width": [0.25, 0.35, 0.5, 0.75], "resolution": [64, 80, 96]},
            "data": {
                "synthetic": {
                    "classes": 10,
                    "train_per_class": 130,
                    "val_per_class": 0,
                    "min_side": 100,
                    "max_side": 180,
                },
                "train_per_class": 100,
                "val_per_class": 30,
                "size": 96,
            },
            "training": {"epochs": epochs},
            "latency": {"budget_ms": budget_ms, "min_seconds": 0.1, "calibration_samples": 4},
            "search": {
                "sampler": "random",
                "pruner": "none",
                "n_trials": trials,
                "seed": 0,
                "study_name": name,
                "storage": f"sqlite:///{tmp / 'nas.db'}",
            },
            "tracking": {"tracking_uri": f"sqlite:///{tmp / 'mlflow.db'}"},
        }
    )


def trial_costs(cfg, summary):
    study = optuna.load_study(study_name=cfg.search.study_name, storage=cfg.search.storage)
    rows = []
    for t in study.trials:
        total = (t.datetime_complete - t.datetime_start).total_seconds()
        total += summary.tracking_seconds.get(t.number, 0.0)
        a = trial_attrs(t)
        rows.append(
            {"state": a.get("state"), "total": total, "train": a.get("train_seconds", 0.0)}
        )
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--trials", type=int, default=8)
    p.add_argument("--epochs", type=int, default=2)
    args = p.parse_args()
    quiet = {"say": lambda _: None}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        feasible = experiment(tmp, 1e6, args.trials, args.epochs, "all-feasible")
        run_search(feasible, **quiet)  # warm: builds data, cache and the table first
        feasible = experiment(tmp, 1e6, args.trials, args.epochs, "timed-feasible")
        trained = trial_costs(feasible, run_search(feasible, **quiet))
        infeasible_cfg = experiment(tmp, 1e-6, args.trials, args.epochs, "timed-infeasible")
        infeasible = trial_costs(infeasible_cfg, run_search(infeasible_cfg, **quiet))
    trained = [r for r in trained if r["state"] == "complete"]
    overhead = [(r["total"] - r["train"]) / r["total"] for r in trained]
    mean_trained = statistics.fmean(r["total"] for r in trained)
    mean_infeasible = statistics.fmean(r["total"] for r in infeasible)
    print_result(
        "search_overhead",
        trained_trials=len(trained),
        epochs=args.epochs,
        mean_trained_trial_s=round(mean_trained, 3),
        mean_train_s=round(statistics.fmean(r["train"] for r in trained), 3),
        overhead_share_mean=round(statistics.fmean(overhead), 4),
        overhead_share_max=round(max(overhead), 4),
        mean_infeasible_trial_s=round(mean_infeasible, 4),
        infeasible_vs_trained=round(mean_infeasible / mean_trained, 4),
        targets={"overhead_share": 0.05, "infeasible_vs_trained": 0.01},
    )


if __name__ == "__main__":
    main()
