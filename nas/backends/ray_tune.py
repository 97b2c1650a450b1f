"""Ray Tune: trials in parallel on a Ray cluster (or a local Ray runtime).

Each Tune trial runs exactly one Optuna trial of the shared study (`study.optimize(...,
n_trials=1)` against its storage, Optuna's own distributed pattern), so the study stays the
source of truth and the sampler sees every finished trial. Per-epoch metrics go to Tune with
`tune.report`; the driver logs each finished trial to MLflow through the same callback as
the in-process backend.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nas.search import SearchContext


def _trainable_factory(
    cfg_data: dict[str, Any],
    cache_path: str,
    lut_path: str | None,
    fingerprint: dict[str, Any],
    threads: int,
):
    def trainable(config: dict[str, Any]) -> None:
        import optuna
        import torch
        from ray import tune

        from nas.backends.local import CATCH
        from nas.config import ExperimentConfig
        from nas.latency import LatencyTable
        from nas.search import SearchContext, make_pruner, make_sampler, objective
        from trainers import open_cache

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        cfg = ExperimentConfig.model_validate(cfg_data)
        if cfg.training.threads is None:
            torch.set_num_threads(threads)
        ctx = SearchContext(
            cfg=cfg,
            cache=open_cache(Path(cache_path)),
            table=LatencyTable.load(Path(lut_path)) if lut_path else None,
            fingerprint=fingerprint,
        )
        study = optuna.load_study(
            study_name=cfg.search.study_name,
            storage=cfg.search.storage,
            # Each Tune trial samples with its own seed: identical seeds in parallel
            # workers would propose identical candidates.
            sampler=make_sampler(cfg, worker=1 + config["worker"]),
            pruner=make_pruner(cfg),
        )
        numbers: list[int] = []

        def on_epoch(epoch: int, metrics: dict) -> None:
            numbers[:] = [metrics["optuna_trial"]]
            tune.report(
                {
                    "epoch": epoch,
                    **{k: v for k, v in metrics.items() if isinstance(v, (int, float))},
                }
            )

        def remember(study, frozen) -> None:
            numbers[:] = [frozen.number]

        study.optimize(
            lambda t: objective(ctx, t, on_epoch=on_epoch),
            n_trials=1,
            catch=CATCH,
            callbacks=[remember],
            gc_after_trial=False,
        )
        tune.report({"optuna_trial": numbers[0] if numbers else -1, "done": 1})

    return trainable


def run_ray(ctx: SearchContext, study, after_trial: Callable, say: Callable[[str], None]):
    """Run `n_trials` Optuna trials as Ray Tune trials, `max_concurrent` at a time."""
    import ray
    from ray import tune

    cfg = ctx.cfg
    s = cfg.search
    if s.n_trials is None:
        raise ValueError("the ray backend needs search.n_trials (Tune samples a fixed count)")
    started_here = not ray.is_initialized()
    if started_here:
        kwargs: dict[str, Any] = {
            "include_dashboard": False,
            "log_to_driver": False,
            "ignore_reinit_error": True,
        }
        if s.ray_address is None:
            kwargs["num_cpus"] = max(1, int(s.max_concurrent * s.cpus_per_trial))
        ray.init(address=s.ray_address, **kwargs)
    say(
        f"ray: {s.n_trials} trials, {s.max_concurrent} at a time, {s.cpus_per_trial:g} CPU "
        f"and {s.gpus_per_trial:g} GPU each, on {ray.cluster_resources().get('CPU', 0):g} CPUs"
    )
    lut_path = str(cfg.resolve(cfg.latency.lut).resolve()) if ctx.table is not None else None
    trainable = _trainable_factory(
        cfg.model_dump(mode="json"),
        str(ctx.cache.path.resolve()),
        lut_path,
        ctx.fingerprint,
        max(1, int(s.cpus_per_trial)),
    )

    class _LogFinished(tune.Callback):
        """Logs each finished Optuna trial from the driver, as the local backend does.

        Tune pickles its callbacks into the experiment state; the study and the tracker are
        not picklable and not needed there, so the pickled copy is an inert callback (and
        the methods use only `self`, so the class itself pickles by value).
        """

        def __init__(self, study, after_trial, say) -> None:
            self.study, self.after_trial, self.say = study, after_trial, say

        def __getstate__(self) -> dict:
            return {"study": None, "after_trial": None, "say": None}

        def on_trial_complete(self, iteration, trials, trial, **info):
            number = (trial.last_result or {}).get("optuna_trial", -1)
            if self.study is None or number < 0:
                return
            done = [t for t in self.study.get_trials(deepcopy=False) if t.number == number]
            if done:
                self.after_trial(self.study, done[0])

        def on_trial_error(self, iteration, trials, trial, **info):
            if self.say is not None:
                self.say(f"ray trial {trial.trial_id} errored: {trial.error_file}")

    tuner = tune.Tuner(
        tune.with_resources(trainable, {"cpu": s.cpus_per_trial, "gpu": s.gpus_per_trial}),
        param_space={"worker": tune.grid_search(list(range(s.n_trials)))},
        tune_config=tune.TuneConfig(
            num_samples=1,
            max_concurrent_trials=s.max_concurrent,
            time_budget_s=s.timeout_s,
        ),
        run_config=tune.RunConfig(
            name=s.study_name,
            storage_path=str(cfg.resolve(Path("ray_results")).resolve()),
            verbose=0,
            callbacks=[_LogFinished(study, after_trial, say)],
        ),
    )
    try:
        # Tune prints where its results are on stdout; keep stdout for `--json`.
        with contextlib.redirect_stdout(sys.stderr):
            tuner.fit()
    finally:
        if started_here:
            ray.shutdown()
