"""The `nas` command line. Heavy imports (torch, optuna, ray, mlflow) happen inside commands."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Any

import click


def parse_depths(value: str | None) -> tuple[int, ...] | None:
    """Parse `1,2,2,6,2` into a tuple; a clear error names the bad part."""
    if value is None:
        return None
    parts = [p.strip() for p in value.split(",")]
    try:
        return tuple(int(p) for p in parts)
    except ValueError:
        raise click.BadParameter(
            f"expected comma-separated integers like 1,2,2,6,2, got {value!r}"
        ) from None


def arch_options(func):
    """The options that pick one candidate, shared by every command that takes one.

    The command receives `make_arch`, a no-argument function returning the `ArchConfig`
    (a usage error names the bad option), instead of the five raw options.
    """

    command = func

    @functools.wraps(command)
    def wrapper(*args, width_mult, resolution, depths, depth_mult, channel_rounding, **kwargs):
        def make_arch():
            return arch_from_options(
                width_mult=width_mult,
                resolution=resolution,
                depths=depths,
                depth_mult=depth_mult,
                channel_rounding=channel_rounding,
            )

        return command(*args, make_arch=make_arch, **kwargs)

    func = wrapper
    options = [
        click.option(
            "--width",
            "width_mult",
            type=float,
            default=1.0,
            show_default=True,
            help="Width multiplier alpha.",
        ),
        click.option(
            "--resolution",
            type=int,
            default=224,
            show_default=True,
            help="Input side in pixels (>= 32).",
        ),
        click.option(
            "--depths",
            default=None,
            help="Blocks per stage, 5 integers (paper: 1,2,2,6,2; shallow: 1,2,2,1,2).",
        ),
        click.option(
            "--depth-mult",
            type=float,
            default=None,
            help="Scale the paper's depths by this (ceil per stage); excludes --depths.",
        ),
        click.option(
            "--rounding",
            "channel_rounding",
            type=click.Choice(["tf_slim", "make_divisible"]),
            default="tf_slim",
            show_default=True,
            help="Channel rounding rule for the width multiplier.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def arch_from_options(
    *,
    width_mult: float,
    resolution: int,
    depths: str | None,
    depth_mult: float | None,
    channel_rounding: str,
):
    from search_spaces import PAPER_DEPTHS, ArchConfig

    if depths is not None and depth_mult is not None:
        raise click.UsageError("give --depths or --depth-mult, not both")
    try:
        if depth_mult is not None:
            return ArchConfig.from_multipliers(
                width_mult=width_mult,
                resolution=resolution,
                depth_mult=depth_mult,
                channel_rounding=channel_rounding,
            )
        return ArchConfig(
            width_mult=width_mult,
            resolution=resolution,
            stage_depths=parse_depths(depths) or PAPER_DEPTHS,
            channel_rounding=channel_rounding,
        )
    except ValueError as err:
        raise click.UsageError(str(err)) from None


def echo_json(obj: Any) -> None:
    click.echo(json.dumps(obj, indent=None, sort_keys=False))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mbv1-nas", prog_name="nas")
def main() -> None:
    """Latency-constrained architecture search over the MobileNet v1 family."""


@main.command()
@arch_options
@click.option(
    "--classes",
    "num_classes",
    type=int,
    default=1000,
    show_default=True,
    help="Classifier outputs.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Read the candidate (and class count) from a `nas export` file instead.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def describe(make_arch, num_classes, config_path, as_json):
    """Print a candidate's layer table with exact mult-adds and parameters."""
    from nas.describe import describe as describe_arch

    if config_path is not None:
        from nas.export import read_record
        from search_spaces import ArchConfig

        try:
            record = read_record(config_path)
            arch = ArchConfig.from_dict(record["arch"])
        except ValueError as err:
            raise click.UsageError(str(err)) from None
        source = click.get_current_context().get_parameter_source("num_classes")
        if source.name == "DEFAULT" and record.get("num_classes"):
            num_classes = int(record["num_classes"])
    else:
        arch = make_arch()
    try:
        summary = describe_arch(arch, num_classes)
    except ValueError as err:
        raise click.UsageError(str(err)) from None
    if as_json:
        echo_json(summary)
        return
    from nas.console import print_describe

    print_describe(summary)


@main.command("train")
@click.option(
    "--data",
    "data_path",
    type=click.Path(path_type=Path),
    required=True,
    help="A cache made by `nas data prepare` (its folder, or the --out folder).",
)
@arch_options
@click.option("--epochs", type=int, default=3, show_default=True)
@click.option("--batch-size", type=int, default=32, show_default=True)
@click.option(
    "--optimizer", type=click.Choice(["rmsprop", "sgd"]), default="rmsprop", show_default=True
)
@click.option(
    "--lr",
    type=float,
    default=None,
    help="Peak learning rate (default: 3e-3 for rmsprop, 0.1 for sgd).",
)
@click.option("--weight-decay", type=float, default=4e-5, show_default=True)
@click.option("--label-smoothing", type=float, default=0.1, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--threads", type=int, default=None, help="torch threads (default: all cores).")
@click.option(
    "--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
def train_cmd(
    make_arch,
    data_path,
    epochs,
    batch_size,
    optimizer,
    lr,
    weight_decay,
    label_smoothing,
    seed,
    threads,
    device,
    as_json,
):
    """Train one candidate on a cached subset and report held-out accuracy per epoch."""
    arch = make_arch()
    from nas.console import TrainProgress, console
    from search_spaces import build_model, complexity
    from trainers import TrainConfig, open_cache, train

    try:
        cfg = TrainConfig(
            epochs=epochs,
            batch_size=batch_size,
            optimizer=optimizer,
            lr=lr,
            weight_decay=weight_decay,
            label_smoothing=label_smoothing,
            seed=seed,
            threads=threads,
            device=device,
        )
        cache = open_cache(data_path)
        if arch.resolution > cache.size:
            console.print(
                f"[yellow]warning:[/] resolution {arch.resolution} is above the cache's "
                f"{cache.size} px: images are upsampled"
            )
        model = build_model(arch, cache.num_classes)
        with TrainProgress(epochs, enabled=not as_json) as bar:
            result = train(
                model, cache, cfg, resolution=arch.resolution, report=bar.report, progress=bar.step
            )
    except ValueError as err:
        raise click.ClickException(str(err)) from None
    macs, params = complexity(arch, cache.num_classes)
    out = {
        "arch": arch.to_dict(),
        "macs": macs,
        "params": params,
        "train": cfg.to_dict(),
        "data": {"path": str(cache.path), "content_hash": cache.content_hash},
        **result.to_dict(),
    }
    if as_json:
        echo_json(out)
        return
    console.print(
        f"{arch.name}: {result.status} after {result.epochs_done} epoch(s); "
        f"top-1 {result.final_top1:.2%} (best {result.best_top1:.2%}), "
        f"top-5 {result.final_top5:.2%}; {result.train_images_per_s:,.0f} train img/s; "
        f"{result.wall_seconds:.1f}s"
    )
    if result.reason:
        console.print(f"  {result.reason}")


def measure_options(func):
    """Options of a latency measurement, shared by the latency commands."""
    options = [
        click.option(
            "--backend",
            type=click.Choice(["torch", "onnxruntime"]),
            default="torch",
            show_default=True,
        ),
        click.option(
            "--threads",
            type=int,
            default=1,
            show_default=True,
            help="Intra-op threads (1: one big core of a phone).",
        ),
        click.option("--batch-size", type=int, default=1, show_default=True),
        click.option(
            "--device",
            "measure_device",
            type=click.Choice(["cpu", "cuda"]),
            default="cpu",
            show_default=True,
        ),
        click.option("--min-repeats", type=int, default=30, show_default=True),
        click.option("--min-seconds", type=float, default=0.5, show_default=True),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def measure_config(backend, threads, batch_size, measure_device, min_repeats, min_seconds):
    from nas.latency import MeasureConfig

    try:
        return MeasureConfig(
            backend=backend,
            threads=threads,
            batch_size=batch_size,
            device=measure_device,
            min_repeats=min_repeats,
            min_seconds=min_seconds,
            max_seconds=max(30.0, min_seconds),
        )
    except ValueError as err:
        raise click.UsageError(str(err)) from None


def load_space(path: Path | None):
    """The search space of an experiment file (its `space` section), or the default one."""
    from search_spaces import SearchSpace

    if path is None:
        return SearchSpace()
    from nas.config import load_experiment

    return load_experiment(path).space.to_search_space()


@main.command("search")
@click.option(
    "-c",
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="Experiment YAML.",
)
@click.option("--study", "study_name", default=None, help="Study name (overrides the file).")
@click.option("--n-trials", type=int, default=None)
@click.option("--timeout", "timeout_s", type=float, default=None, help="Seconds.")
@click.option("--storage", default=None, help="Optuna storage URL (default sqlite:///nas.db).")
@click.option("--tracking-uri", default=None, help="MLflow tracking URI (file, sqlite, http).")
@click.option("--no-tracking", is_flag=True, help="Do not log to MLflow.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
def search_cmd(
    config_path, study_name, n_trials, timeout_s, storage, tracking_uri, no_tracking, as_json
):
    """Search the space against the latency budget; results in the Optuna study and MLflow."""
    from dataclasses import asdict

    from nas.config import load_experiment

    try:
        cfg = load_experiment(config_path).with_overrides(
            search={
                "study_name": study_name,
                "n_trials": n_trials,
                "timeout_s": timeout_s,
                "storage": storage,
            },
            tracking={"tracking_uri": tracking_uri, "enabled": False if no_tracking else None},
        )
    except ValueError as err:
        raise click.ClickException(str(err)) from None
    from nas.console import ProgressBar, console, print_frontier
    from nas.runner import run_search

    stderr = Console_stderr()
    bars: list = []

    def progress(description):
        bar = ProgressBar(description, enabled=not as_json)
        bar.__enter__()
        bars.append(bar)
        return bar

    def say(line: str) -> None:
        if not as_json:
            stderr.print(line, highlight=False, soft_wrap=True)

    try:
        with stderr.status("starting", spinner="dots") as live:

            def status(text):
                if not as_json:
                    live.update(text)

            try:
                summary = run_search(cfg, say=say, status=status, progress=progress)
            finally:
                for bar in bars:
                    bar.__exit__(None, None, None)
    except ValueError as err:
        raise click.ClickException(str(err)) from None
    if as_json:
        echo_json(asdict(summary))
        return
    for message in summary.messages:
        console.print(f"[yellow]{message}[/]")
    print_frontier(summary.frontier, summary.hypervolume, cfg.latency.budget_ms)
    if summary.browse:
        b = summary.browse
        if b["command"]:
            console.print(f"browse: {b['command']}   (then open the URLs below)", soft_wrap=True)
        console.print(f"  runs table: {b['experiment_url']}", soft_wrap=True)
        console.print(
            f"  this search (Artifacts tab: pareto.png, pareto.html): {b['run_url']}",
            soft_wrap=True,
        )
    if summary.interrupted:
        raise SystemExit(130)


def Console_stderr():
    from rich.console import Console

    return Console(stderr=True)


@main.command("pareto")
@click.option("--study", "study_name", required=True)
@click.option("--storage", default="sqlite:///nas.db", show_default=True)
@click.option("--json", "as_json", is_flag=True)
def pareto_cmd(study_name, storage, as_json):
    """Print a study's accuracy/latency frontier (sorted by latency) and its hypervolume."""
    from nas.study_io import frontier_report, load_study

    try:
        study = load_study(study_name, storage)
        report = frontier_report(study)
    except ValueError as err:
        raise click.ClickException(str(err)) from None
    if as_json:
        echo_json(report)
        return
    from nas.console import print_frontier

    print_frontier(report["frontier"], report["hypervolume"], report["budget_ms"])


@main.command("export")
@click.option("--study", "study_name", required=True)
@click.option("--storage", default="sqlite:///nas.db", show_default=True)
@click.option(
    "--max-latency-ms", type=float, default=None, help="Budget T (default: the study's budget)."
)
@click.option("--pick", default="accuracy", show_default=True, help="accuracy | knee | trial:N")
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="best.yaml or best.json; model files are written beside it.",
)
@click.option("--all-pareto", is_flag=True, help="Export every frontier point under T.")
@click.option(
    "--train-epochs",
    type=int,
    default=None,
    help="Retrain for E epochs and write safetensors, TorchScript and ONNX.",
)
@click.option(
    "--tracking-uri", default=None, help="MLflow store (default: the one the search logged to)."
)
@click.option(
    "--register-name",
    default="mbv1",
    show_default=True,
    help="Registered model name, when trained ('' to skip registering).",
)
@click.option("--json", "as_json", is_flag=True)
def export_cmd(
    study_name,
    storage,
    max_latency_ms,
    pick,
    out,
    all_pareto,
    train_epochs,
    tracking_uri,
    register_name,
    as_json,
):
    """Write the chosen configuration with its provenance; optionally a trained model."""
    from nas.export import budget_alias, export_record, pick_trial, write_record
    from nas.search import compute_frontier, trial_attrs
    from nas.study_io import load_study

    if train_epochs is not None and train_epochs < 1:
        raise click.UsageError(f"--train-epochs must be >= 1, got {train_epochs}")
    try:
        study = load_study(study_name, storage)
        budget = (
            max_latency_ms if max_latency_ms is not None else study.user_attrs.get("budget_ms")
        )
        if all_pareto:
            best = pick_trial(study, "accuracy", budget)  # raises when nothing meets T
            trials = study.get_trials(deepcopy=False)
            meeting = [t for t in trials if t.number in compute_frontier(trials, budget).keys]
            chosen = sorted(meeting, key=lambda t: trial_attrs(t)["latency_ms"]) or [best]
        else:
            chosen = [pick_trial(study, pick, budget)]
        tracking = tracking_uri or (study.user_attrs.get("tracking") or {}).get("tracking_uri")
        results = []
        for t in chosen:
            record = export_record(
                study, t, storage=storage, tracking_uri=tracking, max_latency_ms=budget, pick=pick
            )
            path = (
                out if not all_pareto else out.with_name(f"{out.stem}-trial{t.number}{out.suffix}")
            )
            entry = {
                "trial": t.number,
                "file": str(path),
                "arch": record["arch"],
                "top1": record["metrics"]["top1"],
                "latency_ms": record["metrics"]["latency_ms"],
            }
            if train_epochs:
                from nas.export import train_and_export

                alias = (
                    budget_alias(budget)
                    if not all_pareto
                    else (
                        budget_alias(round(record["metrics"]["latency_ms"], 2)) + f"_t{t.number}"
                    )
                )
                trained = train_and_export(
                    record,
                    path,
                    train_epochs,
                    register_name=register_name or None,
                    tracking_uri=tracking,
                    alias=alias,
                )
                record["trained"] = {
                    "epochs": train_epochs,
                    "weights": str(trained.weights),
                    "torchscript": str(trained.torchscript),
                    "onnx": str(trained.onnx),
                    "onnx_max_abs_diff": trained.onnx_max_abs_diff,
                    "official_val_top1": trained.official_val_top1,
                    "latency": trained.latency,
                    "registered": trained.registered,
                }
                entry["trained"] = {k: v for k, v in record["trained"].items() if k != "latency"}
                entry["trained"]["latency_ms"] = trained.latency["median_ms"]
            write_record(record, path)
            results.append(entry)
    except ValueError as err:
        raise click.ClickException(str(err)) from None
    if as_json:
        echo_json(results if all_pareto else results[0])
        return
    from nas.console import console

    for e in results:
        console.print(
            f"trial {e['trial']}: top-1 {e['top1']:.2%}, {e['latency_ms']:.3f} ms -> {e['file']}",
            soft_wrap=True,
        )
        if "trained" in e:
            tr = e["trained"]
            console.print(
                f"  weights {tr['weights']}, TorchScript {tr['torchscript']}, ONNX "
                f"{tr['onnx']} (max diff {tr['onnx_max_abs_diff']:.1e}); "
                f"re-measured {tr['latency_ms']:.3f} ms",
                soft_wrap=True,
            )
            if tr.get("registered"):
                console.print(f"  registered: {tr['registered']['uri']}", soft_wrap=True)


@main.group()
def latency() -> None:
    """Measure latency on this machine, build and check per-device lookup tables."""


@latency.command("measure")
@arch_options
@click.option("--classes", "num_classes", type=int, default=1000, show_default=True)
@measure_options
@click.option("--json", "as_json", is_flag=True)
def latency_measure(
    make_arch,
    num_classes,
    backend,
    threads,
    batch_size,
    measure_device,
    min_repeats,
    min_seconds,
    as_json,
):
    """Measure one candidate: median, p10/p90, IQR, samples, device fingerprint."""
    arch = make_arch()
    cfg = measure_config(backend, threads, batch_size, measure_device, min_repeats, min_seconds)
    from nas.latency import measure_arch

    stats = measure_arch(arch, num_classes, cfg)
    if as_json:
        echo_json({"arch": arch.to_dict(), **stats.to_dict()})
        return
    from nas.console import console

    fp = stats.fingerprint
    console.print(
        f"{arch.name}: median {stats.median_ms:.3f} ms (p10 {stats.p10_ms:.3f}, "
        f"p90 {stats.p90_ms:.3f}, IQR {stats.iqr_ms:.3f}; {stats.samples} samples)\n"
        f"  on {fp['cpu']}, {fp['threads']} thread(s), {fp['backend_version']}, "
        f"batch {fp['batch_size']}, {fp['dtype']}"
    )


@latency.command("build-lut")
@click.option("--out", type=click.Path(path_type=Path), required=True)
@click.option(
    "--space",
    "space_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Experiment YAML whose search space is tabulated.",
)
@click.option(
    "--classes",
    "num_classes",
    type=int,
    default=None,
    help="Classifier width (default: the experiment's classes, else 1000).",
)
@click.option(
    "--calibration-samples",
    type=int,
    default=8,
    show_default=True,
    help="Whole networks measured to calibrate the layer sum.",
)
@measure_options
def latency_build_lut(
    out,
    space_file,
    num_classes,
    calibration_samples,
    backend,
    threads,
    batch_size,
    measure_device,
    min_repeats,
    min_seconds,
):
    """Measure every distinct layer of the space once; write the table with its fingerprint."""
    cfg = measure_config(backend, threads, batch_size, measure_device, min_repeats, min_seconds)
    from nas.console import ProgressBar, console
    from nas.latency import build_lut

    try:
        space = load_space(space_file)
        if num_classes is None and space_file is not None:
            from nas.config import load_experiment

            num_classes = load_experiment(space_file).data.num_classes
        num_classes = num_classes or 1000
        with ProgressBar("measuring layers") as bar:
            table = build_lut(
                space, num_classes, cfg, calibration_samples=calibration_samples, progress=bar
            )
    except ValueError as err:
        raise click.ClickException(str(err)) from None
    table.save(out)
    c = table.calibration
    r2 = f", R^2 {c.r2:.3f}" if c.r2 is not None else ""
    console.print(
        f"wrote {out}: {len(table.layers)} layers, calibration "
        f"{c.slope:.3f} x sum + {c.intercept:.3f} ms{r2}"
    )


@latency.command("check")
@click.option("--lut", "lut_path", type=click.Path(path_type=Path, dir_okay=False), required=True)
@click.option("--samples", type=int, default=30, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option(
    "--allow-other-device",
    is_flag=True,
    help="Warn instead of failing when the table's fingerprint differs from here.",
)
@click.option("--json", "as_json", is_flag=True)
def latency_check(lut_path, samples, seed, allow_other_device, as_json):
    """Measure random candidates and report the table's prediction error on this machine."""
    from nas.console import ProgressBar, console
    from nas.latency import LatencyTable, check_table, device_fingerprint
    from search_spaces import SearchSpace

    try:
        table = LatencyTable.load(lut_path)
        table.check_fingerprint(
            device_fingerprint(table.measure), "warn" if allow_other_device else "error"
        )
        space = SearchSpace.from_dict(table.space) if table.space else SearchSpace()
        with ProgressBar("measuring", enabled=not as_json) as bar:
            report = check_table(table, space, samples, seed=seed, progress=bar)
    except (ValueError, KeyError) as err:
        raise click.ClickException(str(err)) from None
    if as_json:
        echo_json(report.to_dict())
        return
    console.print(
        f"{samples} candidates: MAPE {report.mape:.1f}%, within +-10%: "
        f"{report.within_10pct:.0%}, Spearman {report.spearman:.3f}; measurement noise "
        f"(median relative IQR) {report.measurement_noise:.1f}%; prediction "
        f"{report.predict_us:.1f} us vs measurement {report.measure_ms:.0f} ms "
        f"({report.speedup:,.0f}x)"
    )


@main.group()
def data() -> None:
    """Prepare ILSVRC-2012 subsets: the decode-once cache and a synthetic set."""


@data.command("prepare")
@click.option(
    "--root",
    type=click.Path(path_type=Path),
    required=True,
    help="ILSVRC-2012 root holding train/ (and optionally val/).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    required=True,
    help="Folder for caches; each argument set gets its own sub-folder.",
)
@click.option(
    "--classes",
    "num_classes",
    type=int,
    default=100,
    show_default=True,
    help="Number of classes drawn from train/ (ignored with --wnids).",
)
@click.option(
    "--wnids",
    "wnid_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="File with one wnid per line: an explicit class list.",
)
@click.option("--train-per-class", type=int, default=260, show_default=True)
@click.option(
    "--val-per-class",
    type=int,
    default=50,
    show_default=True,
    help="Images per class held out from train/ for the search's validation.",
)
@click.option(
    "--size",
    type=int,
    default=160,
    show_default=True,
    help="Side of the cached squares; at least the largest resolution searched.",
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--official-val",
    is_flag=True,
    help="Also cache the official val images of these classes (final evaluation).",
)
@click.option("--workers", type=int, default=None, help="Decoding processes (default: all cores).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
def data_prepare(
    root,
    out,
    num_classes,
    wnid_file,
    train_per_class,
    val_per_class,
    size,
    seed,
    official_val,
    workers,
    as_json,
):
    """Decode a deterministic subset once into memory-mappable arrays."""
    from nas.console import ProgressBar, console
    from trainers.cache import prepare_cache
    from trainers.subset import SubsetSpec, read_wnid_file

    try:
        wnids = read_wnid_file(wnid_file) if wnid_file else None
        spec = SubsetSpec(
            num_classes=None if wnids else num_classes,
            wnids=wnids,
            train_per_class=train_per_class,
            val_per_class=val_per_class,
            seed=seed,
        )
        with ProgressBar("decoding", enabled=not as_json) as bar:
            result = prepare_cache(
                root,
                out,
                spec,
                size=size,
                official_val=official_val,
                workers=workers,
                progress=bar,
            )
    except ValueError as err:
        raise click.ClickException(str(err)) from None
    m = result.manifest
    summary = {
        "path": str(result.path),
        "reused": result.reused,
        "counts": m["counts"],
        "skipped": len(m["skipped"]),
        "size": m["size"],
        "content_hash": m["content_hash"],
    }
    if as_json:
        echo_json(summary)
        return
    verb = "reused existing cache" if result.reused else "built cache"
    console.print(f"{verb} {result.path}")
    console.print(
        "images: "
        + ", ".join(f"{k} {v:,}" for k, v in m["counts"].items())
        + f"; size {m['size']}px; content hash {m['content_hash'][:16]}"
    )
    if m["skipped"]:
        console.print(
            f"[yellow]skipped {len(m['skipped'])} unreadable file(s)[/] "
            f"(listed in {result.path / 'manifest.json'}):"
        )
        for row in m["skipped"][:10]:
            console.print(f"  {row['path']}: {row['reason']}")


@data.command("synth")
@click.option("--out", type=click.Path(path_type=Path), required=True)
@click.option("--classes", "num_classes", type=int, default=10, show_default=True)
@click.option("--train-per-class", type=int, default=60, show_default=True)
@click.option(
    "--val-per-class",
    type=int,
    default=20,
    show_default=True,
    help="Official-val images per class.",
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--val-layout",
    type=click.Choice(["kaggle", "folders", "devkit"]),
    default="kaggle",
    show_default=True,
    help="kaggle: flat val/ + LOC_val_solution.csv; folders: val/<wnid>/; "
    "devkit: flat + ground truth + meta.mat.",
)
@click.option("--workers", type=int, default=None)
def data_synth(out, num_classes, train_per_class, val_per_class, seed, val_layout, workers):
    """Write a synthetic ILSVRC-shaped set of real JPEG files."""
    from nas.console import ProgressBar, console
    from trainers.synthetic import write_synthetic_imagenet

    try:
        with ProgressBar("writing JPEGs") as bar:
            write_synthetic_imagenet(
                out,
                num_classes=num_classes,
                train_per_class=train_per_class,
                val_per_class=val_per_class,
                seed=seed,
                val_layout=val_layout,
                workers=workers,
                progress=bar,
            )
    except ValueError as err:
        raise click.ClickException(str(err)) from None
    console.print(f"wrote {num_classes} classes to {out} (val layout: {val_layout})")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
