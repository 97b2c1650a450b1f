"""Runs a search end to end: data, latency, the study, tracking, progress, Ctrl-C."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from nas.config import ExperimentConfig
from nas.search import (
    SearchContext,
    compute_frontier,
    frontier_rows,
    open_study,
    prepare_data,
    prepare_latency,
    trial_attrs,
    trial_state,
)


@dataclass
class SearchSummary:
    study_name: str
    storage: str
    counts: dict[str, int]
    frontier: list[dict[str, Any]]
    hypervolume: float
    best_under_budget: float | None
    interrupted: bool = False
    messages: list[str] = field(default_factory=list)
    browse: dict[str, str] = field(default_factory=dict)
    parent_run_id: str | None = None
    # Seconds spent after each trial on MLflow logging and the frontier refresh.
    tracking_seconds: dict[int, float] = field(default_factory=dict)


def status_line(trials, budget_ms: float) -> str:
    counts = Counter(trial_state(t) for t in trials)
    frontier = compute_frontier(trials, budget_ms)
    best = max((p.accuracy for p in frontier.front), default=None)
    best_text = f"{best:.2%}" if best is not None else "-"
    return (
        f"trials {len(trials)}: {counts['complete']} done, {counts['running']} running, "
        f"{counts['pruned']} pruned, {counts['infeasible']} infeasible, "
        f"{counts['failed']} failed | frontier {len(frontier.front)} | best top-1 under "
        f"{budget_ms:g} ms: {best_text}"
    )


def run_search(
    cfg: ExperimentConfig,
    *,
    say: Callable[[str], None] = print,
    status: Callable[[str], None] | None = None,
    progress: Callable[[str], Callable[[int, int], None]] | None = None,
) -> SearchSummary:
    """Prepare once, then run trials until n_trials or the time limit; Ctrl-C stops cleanly.

    Args:
        cfg: the validated experiment.
        say: prints a line (one per finished trial, and messages).
        status: updates the live progress line.
        progress: makes a (done, total) progress callback for long preparation steps.
    """
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    cfg.workdir.mkdir(parents=True, exist_ok=True)
    cache, prepared = prepare_data(cfg, progress)
    say(
        f"data: {cache.num_classes} classes, {len(cache.train)} train / {len(cache.val)} "
        f"held-out images at {cache.size}px ({'reused' if prepared.reused else 'built'} "
        f"{prepared.path})"
    )
    table, fingerprint = prepare_latency(cfg, cache.num_classes, progress)
    source = f"lookup table {cfg.resolve(cfg.latency.lut)}" if table else "measured per trial"
    say(
        f"latency: {source}"
        f" on {fingerprint.get('cpu')} ({fingerprint.get('threads')} thread(s)); budget "
        f"{cfg.latency.budget_ms:g} ms ({cfg.latency.noise_policy})"
    )
    ctx = SearchContext(cfg=cfg, cache=cache, table=table, fingerprint=fingerprint)
    study = open_study(cfg)
    # Provenance that `nas export` reads back from the study alone.
    study.set_user_attr(
        "data",
        {
            "cache_path": str(cache.path.resolve()),
            "content_hash": cache.content_hash,
            "source_root": cache.manifest["source_root"],
            "num_classes": cache.num_classes,
            "wnids": cache.manifest["wnids"],
            "spec": cache.manifest["spec"],
            "size": cache.size,
        },
    )
    study.set_user_attr("training", cfg.training.to_dict())
    study.set_user_attr("latency_fingerprint", fingerprint)
    study.set_user_attr("latency_measure", cfg.latency.measure_config().to_dict())
    if cfg.tracking.enabled:
        study.set_user_attr(
            "tracking",
            {
                "tracking_uri": cfg.tracking.tracking_uri,
                "experiment_name": cfg.tracking.experiment_name,
            },
        )
    before = len(study.trials)
    if before:
        say(f"continuing study {study.study_name!r}: {before} trial(s) already there")
    tracker = None
    if cfg.tracking.enabled:
        from nas.tracking import Tracker

        tracker = Tracker(cfg, study, fingerprint, cache.manifest)
        for t in study.get_trials(deepcopy=False):  # trials an interrupted run did not log
            if t.number not in tracker.children and trial_state(t) != "running":
                tracker.log_trial(t)

    budget = cfg.latency.budget_ms
    messages: list[str] = []
    tracking_seconds: dict[int, float] = {}

    def after_trial(study, frozen) -> None:
        state = trial_state(frozen)
        a = trial_attrs(frozen)
        detail = a.get("reason") or ""
        if state == "complete":
            detail = f"top-1 {a.get('final_top1', 0):.2%}"
        say(
            f"trial {frozen.number:3d} {state:10s} {a.get('arch_name', ''):32s} "
            f"{a.get('latency_ms', 0):8.3f} ms  {detail}"
        )
        t0 = time.perf_counter()
        trials = study.get_trials(deepcopy=False)
        if tracker is not None:
            tracker.log_trial(frozen)
            tracker.update_frontier(trials, step=frozen.number)
        tracking_seconds[frozen.number] = time.perf_counter() - t0
        if status is not None:
            status(status_line(trials, budget))

    interrupted = False
    start = time.perf_counter()
    try:
        if cfg.search.backend == "ray":
            from nas.backends import run_ray

            run_ray(ctx, study, after_trial, say)
        else:
            from nas.backends import run_local

            run_local(ctx, study, after_trial)
    except KeyboardInterrupt:
        interrupted = True
        messages.append(
            "interrupted: the running trial was marked failed; every finished "
            "trial is in the study"
        )
    trials = study.get_trials(deepcopy=False)
    if tracker is not None:
        for t in trials:
            if t.number not in tracker.children and trial_state(t) != "running":
                tracker.log_trial(t)
        frontier = tracker.update_frontier(
            trials, step=max((t.number for t in trials), default=0), force_plots=True
        )
        tracker.finish("KILLED" if interrupted else "FINISHED")
    else:
        frontier = compute_frontier(trials, budget)
    new = trials[before:]
    counts = Counter(trial_state(t) for t in trials)
    if new and all(trial_state(t) == "infeasible" for t in new):
        fastest = min(trial_attrs(t).get("latency_ms", float("inf")) for t in new)
        messages.append(
            f"every candidate tried is over the {budget:g} ms budget (fastest "
            f"{fastest:.3f} ms): nothing was trained. Raise latency.budget_ms or "
            "shrink the space (smaller width or resolution)."
        )
    front_rows = frontier_rows(frontier, trials)
    say(f"search took {time.perf_counter() - start:.1f}s; " + status_line(trials, budget))
    return SearchSummary(
        study_name=study.study_name,
        storage=cfg.search.storage,
        counts=dict(counts),
        frontier=front_rows,
        hypervolume=frontier.hypervolume,
        best_under_budget=max((p.accuracy for p in frontier.front), default=None),
        interrupted=interrupted,
        messages=messages,
        browse=tracker.browse_hint() if tracker else {},
        parent_run_id=tracker.parent_id if tracker else None,
        tracking_seconds=tracking_seconds,
    )
