"""`nas search` end to end: real SQLite Optuna storage, real MLflow store, real JPEGs."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import optuna
import pytest
import yaml
from click.testing import CliRunner
from mlflow.tracking import MlflowClient

from nas.cli import main
from nas.pareto import Point, dominates
from nas.search import trial_attrs

BASE = {
    "space": {
        "width": [0.25, 0.5],
        "resolution": [32, 48],
        "stage_depths": [[1, 1], [1, 1], [1, 2], [1, 2], [1, 1]],
    },
    "data": {
        "synthetic": {
            "classes": 4,
            "train_per_class": 30,
            "val_per_class": 0,
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
    "search": {"sampler": "random", "n_trials": 5, "seed": 0, "study_name": "t"},
}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """Synthetic data, cache and latency table, prepared once for the module."""
    return tmp_path_factory.mktemp("search")


def write_experiment(workdir: Path, tmp_path: Path, **sections) -> Path:
    cfg = json.loads(json.dumps(BASE))
    for section, values in sections.items():
        cfg.setdefault(section, {}).update(values)
    cfg["workdir"] = str(workdir)
    cfg["search"]["storage"] = f"sqlite:///{tmp_path / 'nas.db'}"
    cfg["tracking"] = {
        "tracking_uri": f"sqlite:///{tmp_path / 'mlflow.db'}",
        "experiment_name": "test",
    }
    path = tmp_path / "exp.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def run(args) -> dict:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def runs_of(tmp_path: Path, tracking_uri: str | None = None):
    client = MlflowClient(tracking_uri or f"sqlite:///{tmp_path / 'mlflow.db'}")
    exp = client.get_experiment_by_name("test")
    runs = client.search_runs([exp.experiment_id], max_results=1000)
    parents = [r for r in runs if r.data.tags.get("role") == "search"]
    children = [r for r in runs if r.data.tags.get("role") == "trial"]
    return client, parents, children


def check_mlflow(client, parents, children, study):
    trials = study.get_trials()
    assert len(children) == len(trials)
    parent_ids = {p.info.run_id for p in parents}
    assert all(c.data.tags["mlflow.parentRunId"] in parent_ids for c in children)
    by_number = {int(c.data.tags["trial_number"]): c for c in children}
    budget = study.user_attrs["budget_ms"]
    attrs = {t.number: trial_attrs(t) for t in trials}
    points = [
        Point(n, a["final_top1"], a["latency_ms"], a["latency_ms"] <= budget)
        for n, a in attrs.items()
        # a re-proposed candidate reuses the first trial's result: one point, not two
        if a.get("state") == "complete" and "duplicate_of" not in a
    ]
    front = {
        p.key
        for p in points
        if p.feasible and not any(dominates(q, p) for q in points if q.feasible)
    }
    for t in trials:
        run = by_number[t.number]
        assert (run.data.tags["pareto"] == "true") == (t.number in front), t.number
        a = attrs[t.number]
        assert run.data.tags["state"] == a["state"]
        assert run.data.params["width_mult"] == str(a["arch"]["width_mult"])
        for key in ("macs", "params", "latency_ms"):
            assert run.data.metrics[key] == pytest.approx(a[key])
        if a["state"] == "complete":
            history = client.get_metric_history(run.info.run_id, "top1")
            assert [m.step for m in history] == [1, 2]
            assert [m.value for m in history] == pytest.approx(a["top1_history"])
            assert run.data.metrics["train_images_per_s"] > 0
    return front


def test_search_end_to_end_and_continue(workdir, tmp_path):
    exp = write_experiment(workdir, tmp_path)
    summary = run(["search", "-c", str(exp), "--json"])
    storage = f"sqlite:///{tmp_path / 'nas.db'}"
    study = optuna.load_study(study_name="t", storage=storage)
    assert len(study.trials) == 5
    assert sum(summary["counts"].values()) == 5
    client, parents, children = runs_of(tmp_path)
    assert len(parents) == 1
    parent = parents[0]
    assert parent.data.params["search.sampler"] == "random"
    assert parent.data.tags["study_name"] == "t"
    front = check_mlflow(client, parents, children, study)
    assert {row["trial"] for row in summary["frontier"]} == front
    artifacts = {a.path for a in client.list_artifacts(parent.info.run_id)}
    assert {
        "pareto.png",
        "pareto.html",
        "pareto_frontier.json",
        "experiment.yaml",
        "device_fingerprint.json",
    } <= artifacts
    table = json.loads(
        Path(client.download_artifacts(parent.info.run_id, "pareto_frontier.json")).read_text()
    )
    assert sorted(table["data"][i][0] for i in range(len(table["data"]))) == sorted(front)
    hv = client.get_metric_history(parent.info.run_id, "hypervolume")
    assert len(hv) >= 5 and hv[-1].value == pytest.approx(summary["hypervolume"])
    assert "workflowType=machine_learning" in summary["browse"]["experiment_url"]

    # The same study name continues the study: new trials appended, none duplicated.
    run(["search", "-c", str(exp), "--n-trials", "2", "--json"])
    study = optuna.load_study(study_name="t", storage=storage)
    assert [t.number for t in study.trials] == list(range(7))
    client, parents, children = runs_of(tmp_path)
    assert len(parents) == 2
    check_mlflow(client, parents, children, study)

    pareto = run(["pareto", "--study", "t", "--storage", storage, "--json"])
    assert {r["trial"] for r in pareto["frontier"]} == {
        r["trial"]
        for r in run(["pareto", "--study", "t", "--storage", storage, "--json"])["frontier"]
    }
    lat = [r["latency_ms"] for r in pareto["frontier"]]
    assert lat == sorted(lat)


def test_budget_rules_out_everything(workdir, tmp_path):
    exp = write_experiment(
        workdir,
        tmp_path,
        latency={"budget_ms": 1e-4},
        search={"n_trials": 3, "study_name": "none"},
    )
    start = time.perf_counter()
    result = CliRunner().invoke(main, ["search", "-c", str(exp)])
    assert result.exit_code == 0, result.output
    assert "over the 0.0001 ms budget" in result.output and "nothing was trained" in result.output
    study = optuna.load_study(study_name="none", storage=f"sqlite:///{tmp_path / 'nas.db'}")
    assert [trial_attrs(t)["state"] for t in study.trials] == ["infeasible"] * 3
    assert all("train_seconds" not in trial_attrs(t) for t in study.trials)
    assert all(t.constraints["latency"] > 0 for t in study.trials)
    assert time.perf_counter() - start < 60


def test_failing_trials_do_not_stop_the_search(workdir, tmp_path):
    exp = write_experiment(
        workdir,
        tmp_path,
        training={"lr": 1e4, "warmup_epochs": 0},
        search={"n_trials": 3, "study_name": "fail"},
    )
    summary = run(["search", "-c", str(exp), "--json"])
    assert summary["counts"] == {"failed": 3}
    study = optuna.load_study(study_name="fail", storage=f"sqlite:///{tmp_path / 'nas.db'}")
    assert [t.state for t in study.trials] == [optuna.trial.TrialState.FAIL] * 3
    assert all("diverged" in trial_attrs(t)["reason"] for t in study.trials)
    _, _, children = runs_of(tmp_path)
    assert sorted(c.data.tags["state"] for c in children) == ["failed"] * 3
    assert all("diverged" in c.data.tags["reason"] for c in children)


def test_bad_experiment_names_the_key(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("search:\n  n_trails: 3\nlatency:\n  budget_ms: -2\n")
    result = CliRunner().invoke(main, ["search", "-c", str(path)])
    assert result.exit_code == 1
    assert "search.n_trails: unknown key" in result.output
    assert "latency.budget_ms" in result.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_search_against_a_real_mlflow_server(workdir, tmp_path):
    port = _free_port()
    mlflow_exe = Path(sys.executable).with_name("mlflow")
    server = subprocess.Popen(
        [
            str(mlflow_exe),
            "server",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--backend-store-uri",
            f"sqlite:///{tmp_path / 'server.db'}",
            "--artifacts-destination",
            str(tmp_path / "artifacts"),
            "--workers",
            "1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=tmp_path,
        env={**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"},
    )
    uri = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{uri}/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.time() > deadline or server.poll() is not None:
                pytest.fail("mlflow server did not start")
            time.sleep(0.5)
        exp = write_experiment(workdir, tmp_path, search={"n_trials": 2, "study_name": "srv"})
        run(["search", "-c", str(exp), "--tracking-uri", uri, "--json"])
        client, parents, children = runs_of(tmp_path, uri)
        assert len(parents) == 1 and len(children) == 2
        artifacts = {a.path for a in client.list_artifacts(parents[0].info.run_id)}
        assert {"pareto.png", "pareto.html", "pareto_frontier.json"} <= artifacts
        assert (tmp_path / "artifacts").exists()
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_single_objective_mnas_with_measured_latency(workdir, tmp_path):
    exp = write_experiment(
        workdir,
        tmp_path,
        objective={"kind": "mnas"},
        latency={"mode": "measure", "min_repeats": 3, "min_seconds": 0.01},
        search={"n_trials": 3, "study_name": "mnas", "pruner": "median", "sampler": "tpe"},
    )
    summary = run(["search", "-c", str(exp), "--json"])
    assert sum(summary["counts"].values()) == 3
    study = optuna.load_study(study_name="mnas", storage=f"sqlite:///{tmp_path / 'nas.db'}")
    assert len(study.directions) == 1
    for t in study.trials:
        a = trial_attrs(t)
        assert a["latency_source"] == "measured" and a["latency_samples"] >= 3
        if a["state"] == "complete":
            expected = a["final_top1"] * (a["latency_ms"] / 100.0) ** -0.07
            assert t.value == pytest.approx(expected)


def test_ctrl_c_keeps_finished_trials(workdir, tmp_path):
    exp = write_experiment(
        workdir, tmp_path, training={"epochs": 4}, search={"n_trials": 50, "study_name": "int"}
    )
    # Make sure the data and the table exist so the child starts trials at once.
    run(
        ["search", "-c", str(exp), "--n-trials", "1", "--study", "warm", "--no-tracking", "--json"]
    )
    nas = Path(sys.executable).with_name("nas")
    proc = subprocess.Popen(
        [str(nas), "search", "-c", str(exp)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    storage = f"sqlite:///{tmp_path / 'nas.db'}"
    deadline = time.time() + 120
    while time.time() < deadline:
        time.sleep(0.5)
        try:
            study = optuna.load_study(study_name="int", storage=storage)
        except KeyError:
            continue
        states = [t.state for t in study.trials]
        if states.count(optuna.trial.TrialState.COMPLETE) >= 2 and states[-1] == (
            optuna.trial.TrialState.RUNNING
        ):
            break
    proc.send_signal(signal.SIGINT)
    output, _ = proc.communicate(timeout=120)
    assert proc.returncode == 130, output
    assert "interrupted" in output
    study = optuna.load_study(study_name="int", storage=storage)
    states = [t.state for t in study.trials]
    assert optuna.trial.TrialState.RUNNING not in states
    assert states[-1] == optuna.trial.TrialState.FAIL  # the running trial, marked
    assert states.count(optuna.trial.TrialState.COMPLETE) >= 2
    _, parents, children = runs_of(tmp_path)
    assert parents[0].info.status == "KILLED"
    assert len(children) == len(study.trials)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["optuna", "ray"])
def test_backend_contract(workdir, tmp_path, backend):
    """What every backend must do: the same study, trial records, MLflow mirror, frontier."""
    exp = write_experiment(
        workdir,
        tmp_path,
        search={
            "backend": backend,
            "n_trials": 3,
            "max_concurrent": 2,
            "study_name": f"c-{backend}",
        },
    )
    summary = run(["search", "-c", str(exp), "--json"])
    study = optuna.load_study(
        study_name=f"c-{backend}", storage=f"sqlite:///{tmp_path / 'nas.db'}"
    )
    assert len(study.trials) == 3 and sum(summary["counts"].values()) == 3
    for t in study.trials:
        a = trial_attrs(t)
        assert a["state"] in ("complete", "pruned", "infeasible", "failed")
        assert a["macs"] > 0 and a["latency_ms"] > 0 and "arch" in a
        if a["state"] == "complete":
            assert len(a["top1_history"]) == 2 and t.values[1] == a["latency_ms"]
    client, parents, children = runs_of(tmp_path)
    assert len(parents) == 1 and parents[0].data.tags["backend"] == backend
    front = check_mlflow(client, parents, children, study)
    assert {row["trial"] for row in summary["frontier"]} == front
