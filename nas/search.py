"""`nas search`: the Optuna study, the trial body, and what happens around each trial.

The Optuna study is the source of truth. Each trial: sample an `ArchConfig`, count MACs and
parameters, get latency (lookup table or measurement), skip training when the hard budget
rules the candidate out, otherwise train the proxy, pruning by latency-band halving (multi-
objective) or Optuna's pruners (single objective). Values, the constraint and every metric
are stored on the trial; MLflow mirrors them (`nas.tracking`).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nas.config import ExperimentConfig
from nas.halving import LatencyBandHalving, Peer
from nas.objectives import check_budget, constraint_value, mnas_reward
from nas.pareto import Point, hypervolume, pareto_front

ProgressFn = Callable[[int, int], None]


class TrialFailed(Exception):
    """A trial that cannot produce a result (diverged training, for example)."""


def mask_password(url: str) -> str:
    """`postgresql://user:secret@host/db` -> `postgresql://user:***@host/db`."""
    return re.sub(r"(//[^:/@]+:)[^@]*@", r"\1***@", url)


@dataclass
class SearchContext:
    """Everything a trial needs, prepared once before the first trial."""

    cfg: ExperimentConfig
    cache: Any  # trainers.Cache
    table: Any | None  # nas.latency.LatencyTable, when latency.mode == "lut"
    fingerprint: dict[str, Any]

    @property
    def space(self):
        return self.cfg.space.to_search_space()


def prepare_data(cfg: ExperimentConfig, progress: Callable[[str], ProgressFn] | None = None):
    """The decode-once cache for the experiment (generating the synthetic set if needed)."""
    from trainers import SubsetSpec, open_cache, prepare_cache, read_wnid_file
    from trainers.synthetic import write_synthetic_imagenet

    d = cfg.data
    root = cfg.resolve(d.root) if d.root is not None else None
    if root is None:
        s = d.synthetic
        root = cfg.resolve(Path("synthetic"))
        marker = root / "synthetic.json"
        args = s.model_dump()
        if not (marker.is_file() and json.loads(marker.read_text()) == args):
            if (root / "train").exists():
                import shutil

                shutil.rmtree(root)
            write_synthetic_imagenet(
                root,
                num_classes=s.classes,
                train_per_class=s.train_per_class,
                val_per_class=s.val_per_class,
                seed=s.seed,
                sides=(s.min_side, s.max_side),
                workers=d.workers,
                progress=progress("writing synthetic JPEGs") if progress else None,
            )
            marker.write_text(json.dumps(args))
    wnids = read_wnid_file(cfg.resolve(d.wnids_file)) if d.wnids_file else None
    spec = SubsetSpec(
        num_classes=None if wnids else d.num_classes,
        wnids=wnids,
        train_per_class=d.train_per_class,
        val_per_class=d.val_per_class,
        seed=d.seed,
    )
    result = prepare_cache(
        root,
        cfg.resolve(d.cache_dir),
        spec,
        size=cfg.cache_size,
        workers=d.workers,
        progress=progress("decoding into the cache") if progress else None,
    )
    return open_cache(result.path), result


def prepare_latency(
    cfg: ExperimentConfig, num_classes: int, progress: Callable[[str], ProgressFn] | None = None
):
    """The lookup table (loaded, or built on first use) or None when measuring each trial."""
    from nas.latency import LatencyTable, build_lut, device_fingerprint

    measure = cfg.latency.measure_config()
    fingerprint = device_fingerprint(measure)
    if cfg.latency.mode != "lut":
        return None, fingerprint
    path = cfg.resolve(cfg.latency.lut)
    space = cfg.space.to_search_space()
    if path.is_file():
        table = LatencyTable.load(path)
        table.check_fingerprint(fingerprint, cfg.latency.on_fingerprint_mismatch)
        if table.num_classes != num_classes:
            raise ValueError(
                f"latency table {path} was built for {table.num_classes} classes, "
                f"the experiment has {num_classes}"
            )
        missing = [s for s in space.distinct_layers(num_classes) if s not in table]
        if missing:
            raise ValueError(
                f"latency table {path} lacks {len(missing)} layer(s) of this space; "
                "delete it to rebuild, or build one with `nas latency build-lut`"
            )
        return table, table.fingerprint
    table = build_lut(
        space,
        num_classes,
        measure,
        calibration_samples=cfg.latency.calibration_samples,
        progress=progress("building the latency table") if progress else None,
    )
    table.save(path)
    return table, table.fingerprint


def trial_latency(ctx: SearchContext, arch) -> dict[str, float]:
    if ctx.table is not None:
        ms = ctx.table.predict_ms(arch)
        return {
            "latency_ms": ms,
            "latency_p10_ms": ms,
            "latency_p90_ms": ms,
            "latency_iqr_ms": 0.0,
            "latency_samples": 0,
            "latency_source": "lut",
        }
    from nas.latency import measure_arch

    s = measure_arch(arch, ctx.cache.num_classes, ctx.cfg.latency.measure_config())
    return {
        "latency_ms": s.median_ms,
        "latency_p10_ms": s.p10_ms,
        "latency_p90_ms": s.p90_ms,
        "latency_iqr_ms": s.iqr_ms,
        "latency_samples": s.samples,
        "latency_source": "measured",
    }


def trial_attrs(t) -> dict[str, Any]:
    """Everything a trial recorded, as one flat dict.

    The trial body writes its record in a few batched user attributes ("nas" and, per
    epoch, "history") because every attribute is one storage transaction; this view
    flattens them for readers.
    """
    a = dict(t.user_attrs.get("nas", {}))
    history = t.user_attrs.get("history")
    if history:
        a["top1_history"] = history["top1"]
        a["top5_history"] = history["top5"]
        a.setdefault("train_images_per_s", history.get("train_images_per_s"))
    a.update({k: v for k, v in t.user_attrs.items() if k not in ("nas", "history")})
    return a


def _peers(trial) -> list[Peer]:
    import optuna

    peers = []
    for t in trial.study.get_trials(deepcopy=False):
        if t.number == trial.number or t.state == optuna.trial.TrialState.FAIL:
            continue
        history = t.user_attrs.get("history")
        lat = t.user_attrs.get("nas", {}).get("latency_ms")
        if history and lat:
            peers.append(Peer(lat, tuple(history["top1"])))
    return peers


def _finished_twin(trial, arch):
    import optuna

    for t in trial.study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)):
        if t.user_attrs.get("nas", {}).get("arch") == arch.to_dict() and t.values:
            return t
    return None


def objective(
    ctx: SearchContext, trial, on_epoch: Callable[[int, dict], None] | None = None
) -> Any:
    """The trial body shared by every backend; returns Optuna's objective value(s).

    `on_epoch(epoch, metrics)` lets a backend forward per-epoch metrics (Ray Tune reports).
    """
    import optuna

    from search_spaces import build_model, complexity
    from trainers import train

    cfg = ctx.cfg
    started = time.perf_counter()
    arch = ctx.space.suggest(trial)
    twin = _finished_twin(trial, arch)
    if twin is not None:
        # The sampler proposed a candidate already evaluated: reuse its result rather than
        # train it again (the same seed would give the same numbers).
        trial.set_user_attr("nas", {**twin.user_attrs["nas"], "duplicate_of": twin.number})
        if "history" in twin.user_attrs:
            trial.set_user_attr("history", twin.user_attrs["history"])
        for key, value in (twin.constraints or {}).items():
            trial.set_constraint(key, value)
        return tuple(twin.values) if len(twin.values) > 1 else twin.values[0]

    macs, params = complexity(arch, ctx.cache.num_classes)
    rec: dict[str, Any] = {
        "arch": arch.to_dict(),
        "arch_name": arch.name,
        "macs": macs,
        "params": params,
    }
    lat = trial_latency(ctx, arch)
    rec.update(lat)
    budget = cfg.latency.budget_ms
    p90 = lat["latency_p90_ms"] if lat["latency_source"] == "measured" else None
    check = check_budget(lat["latency_ms"], p90, budget, cfg.latency.noise_policy)
    rec["latency_noisy"] = check.noisy
    trial.set_constraint("latency", constraint_value(check.latency_ms, budget))
    multi = cfg.objective.kind == "multi"
    if not check.feasible:
        rec["state"] = "infeasible"
        rec["reason"] = (
            f"latency {check.latency_ms:.3f} ms over the {budget:g} ms budget: not trained"
        )
        rec["overhead_s"] = time.perf_counter() - started
        trial.set_user_attr("nas", rec)
        return (0.0, lat["latency_ms"]) if multi else 0.0

    rec["state"] = "running"
    trial.set_user_attr("nas", rec)  # peers' halving rungs read this trial's latency
    halving = LatencyBandHalving() if multi and cfg.search.pruner == "halving" else None
    history: dict[str, Any] = {"top1": [], "top5": []}

    def report(epoch: int, metrics: dict[str, float]) -> bool:
        history["top1"].append(metrics["top1"])
        history["top5"].append(metrics["top5"])
        history["train_images_per_s"] = metrics["train_images_per_s"]
        trial.set_user_attr("history", history)
        if on_epoch is not None:
            on_epoch(epoch, {**metrics, "optuna_trial": trial.number})
        if multi:
            return halving is not None and halving.should_prune(
                epoch, metrics["top1"], lat["latency_ms"], _peers(trial)
            )
        if cfg.search.pruner != "none":
            trial.report(
                mnas_reward(metrics["top1"], lat["latency_ms"], budget, cfg.objective.mnas_w),
                epoch,
            )
            return trial.should_prune()
        return False

    overhead = time.perf_counter() - started
    result = train(
        build_model(arch, ctx.cache.num_classes),
        ctx.cache,
        cfg.training,
        resolution=arch.resolution,
        report=report,
    )
    tail = time.perf_counter()
    rec.update(
        {
            "train_seconds": result.wall_seconds,
            "epochs_done": result.epochs_done,
            "best_top1": result.best_top1,
            "final_top1": result.final_top1,
            "final_top5": result.final_top5,
            "train_images_per_s": result.train_images_per_s,
        }
    )
    if result.status == "diverged":
        rec.update(state="failed", reason=f"diverged: {result.reason}")
        trial.set_user_attr("nas", rec)
        raise TrialFailed(f"trial {trial.number} diverged: {result.reason}")
    if result.status == "stopped":
        rec.update(
            state="pruned",
            reason=f"pruned after epoch {result.epochs_done}",
            overhead_s=overhead + time.perf_counter() - tail,
        )
        trial.set_user_attr("nas", rec)
        raise optuna.TrialPruned(f"pruned after epoch {result.epochs_done}")
    rec.update(state="complete", reason="", overhead_s=overhead + time.perf_counter() - tail)
    trial.set_user_attr("nas", rec)
    top1 = result.final_top1
    if multi:
        return top1, lat["latency_ms"]
    return mnas_reward(top1, lat["latency_ms"], budget, cfg.objective.mnas_w)


def make_sampler(cfg: ExperimentConfig, worker: int = 0):
    """The configured sampler; `worker` offsets the seed so parallel workers differ."""
    import optuna

    s = cfg.search
    seed = s.seed + 7919 * worker
    if s.sampler == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if s.sampler == "nsga2":
        return optuna.samplers.NSGAIISampler(seed=seed)
    if s.sampler == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    return optuna.samplers.GridSampler(cfg.space.to_search_space().grid(), seed=seed)


def make_pruner(cfg: ExperimentConfig):
    import optuna

    if cfg.objective.kind == "multi" or cfg.search.pruner == "none":
        return optuna.pruners.NopPruner()  # multi-objective: halving inside the trial body
    if cfg.search.pruner == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=1)
    return optuna.pruners.SuccessiveHalvingPruner()


def open_study(cfg: ExperimentConfig):
    """Create the study, or load it when the name exists (a search continues)."""
    import optuna

    directions = ["maximize", "minimize"] if cfg.objective.kind == "multi" else ["maximize"]
    study = optuna.create_study(
        study_name=cfg.search.study_name,
        storage=cfg.search.storage,
        sampler=make_sampler(cfg),
        pruner=make_pruner(cfg),
        directions=directions,
        load_if_exists=True,
    )
    if [d.name.lower() for d in study.directions] != directions:
        raise ValueError(
            f"study {cfg.search.study_name!r} exists with other objectives "
            f"({[d.name.lower() for d in study.directions]}); pick another name"
        )
    study.set_user_attr("budget_ms", cfg.latency.budget_ms)
    study.set_user_attr("objective", cfg.objective.kind)
    return study


def trial_state(t) -> str:
    """complete | pruned | infeasible | failed | running, for any Optuna trial."""
    import optuna

    if t.state == optuna.trial.TrialState.RUNNING:
        return "running"
    if t.state == optuna.trial.TrialState.FAIL:
        return "failed"
    if t.state == optuna.trial.TrialState.PRUNED:
        return "pruned"
    return t.user_attrs.get("nas", {}).get("state", "complete")


def frontier_points(trials, budget_ms: float) -> list[Point]:
    """Completed, trained trials as Pareto points; over-budget ones marked infeasible."""
    points = []
    for t in trials:
        if trial_state(t) != "complete":
            continue
        rec = t.user_attrs.get("nas", {})
        if "duplicate_of" in rec:
            continue  # the same candidate as an earlier trial: one point, not two
        acc, lat = rec.get("final_top1"), rec.get("latency_ms")
        if acc is None or lat is None:
            continue
        points.append(Point(t.number, float(acc), float(lat), lat <= budget_ms))
    return points


@dataclass
class Frontier:
    points: list[Point]
    front: list[Point]
    hypervolume: float

    @property
    def keys(self) -> set[int]:
        return {p.key for p in self.front}


def compute_frontier(trials, budget_ms: float) -> Frontier:
    points = frontier_points(trials, budget_ms)
    return Frontier(points, pareto_front(points), hypervolume(points, budget_ms))


def frontier_rows(frontier: Frontier, trials) -> list[dict[str, Any]]:
    """The frontier as plain rows (sorted by latency) for tables and JSON."""
    by_number = {t.number: t for t in trials}
    rows = []
    for p in frontier.front:
        a = trial_attrs(by_number[p.key])
        rows.append(
            {
                "trial": p.key,
                "arch": a.get("arch_name"),
                "arch_config": a.get("arch"),
                "macs": a.get("macs"),
                "params": a.get("params"),
                "latency_ms": p.latency_ms,
                "top1": p.accuracy,
            }
        )
    return rows
