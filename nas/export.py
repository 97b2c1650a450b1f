"""`nas export`: pick a trial of a finished study and take it away as a file and a model.

The file (YAML or JSON by extension) holds the `ArchConfig`, the measured metrics and the
provenance; `search_spaces.build_model` rebuilds the network from it alone. With
`train_epochs`, the architecture is retrained on the subset, evaluated on the official val
images of the same classes when the ImageNet root has them, saved as safetensors,
TorchScript and ONNX (checked against PyTorch), re-measured on the target, and logged and
registered in MLflow under an alias that names its budget.
"""

from __future__ import annotations

import contextlib
import json
import platform
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from nas.pareto import knee_point
from nas.search import compute_frontier, mask_password, trial_attrs, trial_state

PACKAGES = ("mbv1-nas", "torch", "torchvision", "optuna", "mlflow", "onnx", "onnxruntime")


def _candidates(study) -> list:
    """Trained, completed trials with a latency, one per architecture."""
    out = []
    for t in study.get_trials(deepcopy=False):
        a = trial_attrs(t)
        if trial_state(t) == "complete" and "duplicate_of" not in a and "latency_ms" in a:
            out.append(t)
    return out


def pick_trial(study, pick: str = "accuracy", max_latency_ms: float | None = None):
    """The trial to export.

    Args:
        pick: "accuracy" (most accurate trial meeting the budget; ties go to the faster),
            "knee" (the frontier point farthest from the line through its ends), or
            "trial:N".
        max_latency_ms: the budget T (default: the study's budget).
    """
    budget = max_latency_ms if max_latency_ms is not None else study.user_attrs.get("budget_ms")
    if budget is None or budget <= 0:
        raise ValueError(f"max latency must be a positive number of ms, got {budget!r}")
    trials = study.get_trials(deepcopy=False)
    if pick.startswith("trial:"):
        try:
            number = int(pick.split(":", 1)[1])
        except ValueError:
            raise ValueError(f"--pick trial:N needs a trial number, got {pick!r}") from None
        by_number = {t.number: t for t in trials}
        if number not in by_number:
            raise ValueError(
                f"study {study.study_name!r} has no trial {number} (trials 0..{len(trials) - 1})"
            )
        t = by_number[number]
        if trial_state(t) != "complete":
            raise ValueError(f"trial {number} is {trial_state(t)}, not a trained, completed trial")
        return t
    candidates = _candidates(study)
    if not candidates:
        raise ValueError(f"study {study.study_name!r} has no trained, completed trial")
    meeting = [t for t in candidates if trial_attrs(t)["latency_ms"] <= budget]
    if not meeting:
        fastest = min(
            trial_attrs(t)["latency_ms"] for t in trials if "latency_ms" in trial_attrs(t)
        )
        raise ValueError(
            f"no trained trial meets {budget:g} ms; the fastest latency found is {fastest:.3f} ms"
        )
    if pick == "accuracy":
        return max(
            meeting,
            key=lambda t: (trial_attrs(t)["final_top1"], -trial_attrs(t)["latency_ms"], -t.number),
        )
    if pick == "knee":
        front = compute_frontier(meeting, budget).front
        by_number = {t.number: t for t in meeting}
        return by_number[knee_point(front).key]
    raise ValueError(f"--pick must be accuracy, knee or trial:N, got {pick!r}")


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[name] = metadata.version(name)
    return out


def mlflow_run_id(study, trial_number: int, tracking_uri: str | None) -> str | None:
    tracking = study.user_attrs.get("tracking") or {}
    uri = tracking_uri or tracking.get("tracking_uri")
    if not uri:
        return None
    from mlflow.tracking import MlflowClient

    client = MlflowClient(uri)
    exp = client.get_experiment_by_name(tracking.get("experiment_name", "mbv1-nas"))
    if exp is None:
        return None
    runs = client.search_runs(
        [exp.experiment_id],
        filter_string=(
            f"tags.study_name = '{study.study_name}' and tags.role = 'trial' "
            f"and tags.trial_number = '{trial_number}'"
        ),
        max_results=1,
    )
    return runs[0].info.run_id if runs else None


def export_record(
    study,
    trial,
    *,
    storage: str,
    tracking_uri: str | None = None,
    max_latency_ms: float | None = None,
    pick: str = "accuracy",
) -> dict:
    a = trial_attrs(trial)
    data = study.user_attrs.get("data", {})
    return {
        "arch": a["arch"],
        "num_classes": data.get("num_classes"),
        "metrics": {
            "top1": a.get("final_top1"),
            "top5": a.get("final_top5"),
            "best_top1": a.get("best_top1"),
            "top1_per_epoch": a.get("top1_history"),
            "latency_ms": a.get("latency_ms"),
            "latency_p10_ms": a.get("latency_p10_ms"),
            "latency_p90_ms": a.get("latency_p90_ms"),
            "latency_source": a.get("latency_source"),
            "macs": a.get("macs"),
            "params": a.get("params"),
        },
        "provenance": {
            "study": study.study_name,
            "storage": mask_password(storage),
            "trial": trial.number,
            "pick": pick,
            "max_latency_ms": max_latency_ms or study.user_attrs.get("budget_ms"),
            "mlflow_run_id": mlflow_run_id(study, trial.number, tracking_uri),
            "data": {
                k: data.get(k)
                for k in ("content_hash", "source_root", "cache_path", "spec", "size")
            },
            "training": study.user_attrs.get("training"),
            "latency_fingerprint": study.user_attrs.get("latency_fingerprint"),
            "packages": package_versions(),
            "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        },
    }


def write_record(record: dict, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".json":
        path.write_text(json.dumps(record, indent=1))
    elif path.suffix.lower() in (".yaml", ".yml"):
        path.write_text(yaml.safe_dump(record, sort_keys=False))
    else:
        raise ValueError(f"--out must end in .yaml, .yml or .json, got {path.name!r}")
    return path


def read_record(path: Path) -> dict:
    """An exported file (or any YAML/JSON with an `arch` mapping)."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as err:
        raise ValueError(f"cannot read {path}: {err.strerror}") from None
    data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    if not isinstance(data, dict) or not isinstance(data.get("arch"), dict):
        raise ValueError(f"{path} holds no `arch` mapping (is it a `nas export` file?)")
    return data


@dataclass
class TrainedExport:
    weights: Path
    torchscript: Path
    onnx: Path
    onnx_max_abs_diff: float
    official_val_top1: float | None
    latency: dict[str, Any]
    registered: dict[str, Any] | None


def budget_alias(ms: float) -> str:
    """`15` -> `lat15ms`, `2.5` -> `lat2p5ms` (aliases take letters, digits, _ and -)."""
    return "lat" + f"{ms:g}".replace(".", "p") + "ms"


def train_and_export(
    record: dict,
    out: Path,
    epochs: int,
    *,
    register_name: str | None,
    tracking_uri: str | None,
    alias: str | None,
    progress=None,
) -> TrainedExport:
    """Retrain the record's architecture on its subset and write the model files."""
    import numpy as np
    import torch
    from safetensors.torch import save_file

    from nas.export_onnx import export_onnx
    from nas.latency import MeasureConfig, measure_module
    from search_spaces import ArchConfig, build_model
    from trainers import SubsetSpec, TrainConfig, open_cache, prepare_cache, train
    from trainers.imagenet import detect_val_layout

    prov = record["provenance"]
    arch = ArchConfig.from_dict(record["arch"])
    data = prov["data"]
    spec = SubsetSpec(
        **{k: (tuple(v) if k == "wnids" and v else v) for k, v in data["spec"].items()}
    )
    root = Path(data["source_root"])
    has_val = detect_val_layout(root) is not None
    cache_root = Path(data["cache_path"]).parent
    cache = open_cache(
        prepare_cache(root, cache_root, spec, size=data["size"], official_val=has_val).path
    )
    cfg = TrainConfig.from_dict({**(prov.get("training") or {}), "epochs": epochs})
    model = build_model(arch, cache.num_classes)
    result = train(model, cache, cfg, resolution=arch.resolution, progress=progress)
    if result.status == "diverged":
        raise ValueError(f"retraining diverged: {result.reason}")
    official = None
    if "test" in cache.splits:
        from trainers import CacheLoader, evaluate

        loader = CacheLoader(
            cache.split("test"), batch_size=128, resolution=arch.resolution, train=False
        )
        official, _, _ = evaluate(model, loader)
    model = model.eval().to("cpu", memory_format=torch.contiguous_format)

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    stem = out.with_suffix("")
    weights = stem.with_suffix(".safetensors")
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(weights))
    example = torch.randn(1, 3, arch.resolution, arch.resolution)
    torchscript = stem.with_suffix(".torchscript.pt")
    with torch.no_grad():
        torch.jit.save(torch.jit.trace(model, example), str(torchscript))
    try:
        import onnxruntime as ort
    except ImportError:
        raise ValueError(
            "exporting a trained model needs ONNX: pip install 'mbv1-nas[onnx]'"
        ) from None
    onnx_path = export_onnx(model, example, stem.with_suffix(".onnx"), dynamic_batch=True)

    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    probe = torch.randn(4, 3, arch.resolution, arch.resolution)
    with torch.no_grad():
        ref = model(probe).numpy()
    got = session.run(None, {"input": probe.numpy()})[0]
    diff = float(np.abs(ref - got).max())
    if diff > 1e-4:
        raise ValueError(f"ONNX output differs from PyTorch by {diff:.2e} (> 1e-4)")
    measure = (
        MeasureConfig.from_dict(prov.get("latency_measure") or {})
        if prov.get("latency_measure")
        else MeasureConfig()
    )
    stats = measure_module(
        model, (measure.batch_size, 3, arch.resolution, arch.resolution), measure
    )
    latency = {
        "median_ms": stats.median_ms,
        "p10_ms": stats.p10_ms,
        "p90_ms": stats.p90_ms,
        "samples": stats.samples,
        "fingerprint": stats.fingerprint,
    }
    registered = None
    if register_name:
        registered = _log_and_register(
            model,
            example,
            record,
            register_name,
            tracking_uri,
            alias,
            official,
            latency,
            out.parent,
        )
    return TrainedExport(weights, torchscript, onnx_path, diff, official, latency, registered)


def _log_and_register(
    model, example, record, name, tracking_uri, alias, official, latency, artifact_dir: Path
):
    import mlflow
    import torch
    from mlflow.models import infer_signature
    from mlflow.tracking import MlflowClient

    if tracking_uri:
        mlflow.set_tracking_uri(tracking_uri)
    prov = record["provenance"]
    name_exp = f"{prov['study']}-export"
    uri = mlflow.get_tracking_uri()
    if mlflow.get_experiment_by_name(name_exp) is None and not uri.startswith(
        ("http", "databricks")
    ):
        # Local stores: artifacts beside the exported files, not in ./mlruns.
        mlflow.create_experiment(
            name_exp, artifact_location=(artifact_dir / "mlartifacts").resolve().as_uri()
        )
    mlflow.set_experiment(name_exp)
    x = example.numpy()
    with torch.no_grad():
        y = model(example).numpy()
    with mlflow.start_run(run_name=f"export-trial-{prov['trial']}") as run:
        mlflow.log_params({f"arch.{k}": v for k, v in record["arch"].items()})
        mlflow.set_tags(
            {
                "study_name": prov["study"],
                "trial_number": str(prov["trial"]),
                "search_run_id": str(prov.get("mlflow_run_id")),
            }
        )
        metrics = {"latency_ms": latency["median_ms"]}
        if official is not None:
            metrics["official_val_top1"] = official
        mlflow.log_metrics(metrics)
        mlflow.log_dict(record, "export.json")
        info = mlflow.pytorch.log_model(
            model,
            name="model",
            signature=infer_signature(x, y),
            input_example=x,
            registered_model_name=name,
            # Pickle, not a torch.export archive: the archive fixes the batch size to the
            # example's; loading needs this package installed (the model's class).
            serialization_format="pickle",
            pip_requirements=[f"torch=={torch.__version__.split('+')[0]}"],
        )
    version = info.registered_model_version
    client = MlflowClient(mlflow.get_tracking_uri())
    if alias:
        client.set_registered_model_alias(name, alias, version)
    return {
        "name": name,
        "version": version,
        "alias": alias,
        "run_id": run.info.run_id,
        "uri": f"models:/{name}@{alias}" if alias else f"models:/{name}/{version}",
    }
