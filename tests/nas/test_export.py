"""`nas export` after a small real search: the right trial, the file, the trained model."""

from __future__ import annotations

import json
from pathlib import Path

import mlflow
import numpy as np
import onnxruntime as ort
import pytest
import torch
import yaml
from click.testing import CliRunner
from safetensors.torch import load_file

from nas.cli import main
from nas.search import trial_attrs, trial_state
from search_spaces import ArchConfig, build_model, complexity

EXPERIMENT = {
    "space": {
        "width": [0.25, 0.5],
        "resolution": [32, 48],
        "stage_depths": [[1, 1], [1, 1], [1, 2], [1, 2], [1, 1]],
    },
    "data": {
        "synthetic": {
            "classes": 4,
            "train_per_class": 30,
            "val_per_class": 3,
            "min_side": 64,
            "max_side": 96,
        },
        "train_per_class": 24,
        "val_per_class": 6,
        "size": 48,
        "workers": 2,
    },
    "training": {"epochs": 2, "batch_size": 16},
    "latency": {
        "mode": "lut",
        "budget_ms": 100.0,
        "min_repeats": 5,
        "min_seconds": 0.02,
        "calibration_samples": 2,
    },
    "search": {
        "sampler": "random",
        "pruner": "none",
        "n_trials": 6,
        "seed": 1,
        "study_name": "exp",
    },
}


def invoke(args, ok=True):
    result = CliRunner().invoke(main, args)
    if ok:
        assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("export")
    cfg = json.loads(json.dumps(EXPERIMENT))
    cfg["workdir"] = str(tmp)
    cfg["search"]["storage"] = f"sqlite:///{tmp / 'nas.db'}"
    cfg["tracking"] = {
        "tracking_uri": f"sqlite:///{tmp / 'mlflow.db'}",
        "experiment_name": "export-test",
    }
    (tmp / "exp.yaml").write_text(yaml.safe_dump(cfg))
    invoke(["search", "-c", str(tmp / "exp.yaml"), "--json"])
    import optuna

    study = optuna.load_study(study_name="exp", storage=cfg["search"]["storage"])
    return tmp, cfg["search"]["storage"], study


def brute_force_best(study, budget):
    rows = [
        (trial_attrs(t)["final_top1"], -trial_attrs(t)["latency_ms"], -t.number, t.number)
        for t in study.trials
        if trial_state(t) == "complete" and trial_attrs(t)["latency_ms"] <= budget
    ]
    return max(rows)[-1]


def test_export_picks_the_right_trial_and_rebuilds(searched, tmp_path):
    _, storage, study = searched
    latencies = sorted(
        trial_attrs(t)["latency_ms"] for t in study.trials if trial_state(t) == "complete"
    )
    budget = latencies[len(latencies) // 2]  # a budget that rules some trials out
    out = tmp_path / "best.yaml"
    result = invoke(
        [
            "export",
            "--study",
            "exp",
            "--storage",
            storage,
            "--max-latency-ms",
            str(budget),
            "--out",
            str(out),
            "--json",
        ]
    )
    chosen = json.loads(result.stdout)
    assert chosen["trial"] == brute_force_best(study, budget)
    record = yaml.safe_load(out.read_text())
    arch = ArchConfig.from_dict(record["arch"])
    macs, params = complexity(arch, record["num_classes"])
    assert (macs, params) == (record["metrics"]["macs"], record["metrics"]["params"])
    model = build_model(arch, record["num_classes"]).eval()
    with torch.no_grad():
        assert model(torch.randn(2, 3, arch.resolution, arch.resolution)).shape == (2, 4)
    prov = record["provenance"]
    assert prov["study"] == "exp" and prov["trial"] == chosen["trial"]
    assert len(prov["data"]["content_hash"]) == 64
    assert prov["training"]["epochs"] == 2 and prov["latency_fingerprint"]["threads"] == 1
    assert prov["mlflow_run_id"] and prov["packages"]["torch"] and prov["date"]
    described = json.loads(invoke(["describe", "--config", str(out), "--json"]).stdout)
    assert described["macs"] == macs and described["params"] == params

    # JSON by extension; the knee and an explicit trial.
    out_json = tmp_path / "knee.json"
    invoke(
        [
            "export",
            "--study",
            "exp",
            "--storage",
            storage,
            "--pick",
            "knee",
            "--out",
            str(out_json),
        ]
    )
    assert "arch" in json.loads(out_json.read_text())
    n = chosen["trial"]
    picked = json.loads(
        invoke(
            [
                "export",
                "--study",
                "exp",
                "--storage",
                storage,
                "--pick",
                f"trial:{n}",
                "--out",
                str(tmp_path / "n.yaml"),
                "--json",
            ]
        ).stdout
    )
    assert picked["trial"] == n


def test_export_trained_model(searched, tmp_path):
    tmp, storage, _ = searched
    out = tmp_path / "model" / "best.yaml"
    result = invoke(
        [
            "export",
            "--study",
            "exp",
            "--storage",
            storage,
            "--out",
            str(out),
            "--train-epochs",
            "1",
            "--register-name",
            "mbv1-test",
            "--json",
        ]
    )
    entry = json.loads(result.stdout)
    trained = entry["trained"]
    for key in ("weights", "torchscript", "onnx"):
        assert Path(trained[key]).is_file(), key
    assert trained["onnx_max_abs_diff"] <= 1e-4
    assert trained["official_val_top1"] is not None  # the synthetic root has official val
    record = yaml.safe_load(out.read_text())
    arch = ArchConfig.from_dict(record["arch"])
    model = build_model(arch, 4).eval()
    model.load_state_dict(load_file(trained["weights"]))
    x = torch.randn(3, 3, arch.resolution, arch.resolution)
    with torch.no_grad():
        ref = model(x).numpy()
    session = ort.InferenceSession(trained["onnx"], providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(session.run(None, {"input": x.numpy()})[0], ref, atol=1e-4)
    scripted = torch.jit.load(trained["torchscript"])
    np.testing.assert_allclose(scripted(x).detach().numpy(), ref, atol=1e-5)
    reg = trained["registered"]
    assert reg["uri"] == "models:/mbv1-test@lat100ms"
    mlflow.set_tracking_uri(f"sqlite:///{tmp / 'mlflow.db'}")
    loaded = mlflow.pytorch.load_model(reg["uri"])
    with torch.no_grad():
        np.testing.assert_allclose(loaded(x).numpy(), ref, atol=1e-5)
    assert record["trained"]["latency"]["median_ms"] > 0


def test_all_pareto(searched, tmp_path):
    _, storage, _ = searched
    out = tmp_path / "front.yaml"
    entries = json.loads(
        invoke(
            [
                "export",
                "--study",
                "exp",
                "--storage",
                storage,
                "--all-pareto",
                "--out",
                str(out),
                "--json",
            ]
        ).stdout
    )
    assert entries and all(Path(e["file"]).is_file() for e in entries)
    lat = [e["latency_ms"] for e in entries]
    assert lat == sorted(lat)


def test_export_errors(searched, tmp_path):
    _, storage, study = searched
    fastest = min(trial_attrs(t)["latency_ms"] for t in study.trials)
    result = invoke(
        [
            "export",
            "--study",
            "exp",
            "--storage",
            storage,
            "--max-latency-ms",
            "1e-6",
            "--out",
            str(tmp_path / "x.yaml"),
        ],
        ok=False,
    )
    assert result.exit_code == 1
    assert f"fastest latency found is {fastest:.3f} ms" in result.output
    result = invoke(
        ["export", "--study", "nope", "--storage", storage, "--out", str(tmp_path / "x.yaml")],
        ok=False,
    )
    assert result.exit_code == 1 and "no study named 'nope'" in result.output
    assert "studies there: ['exp']" in result.output
    result = invoke(
        [
            "export",
            "--study",
            "exp",
            "--storage",
            storage,
            "--pick",
            "trial:999",
            "--out",
            str(tmp_path / "x.yaml"),
        ],
        ok=False,
    )
    assert result.exit_code == 1 and "has no trial 999" in result.output
    result = invoke(
        ["export", "--study", "exp", "--storage", storage, "--out", str(tmp_path / "x.txt")],
        ok=False,
    )
    assert result.exit_code == 1 and ".yaml, .yml or .json" in result.output
