"""MLflow mirror of a search: one parent run per search, one child run per trial, and the
accuracy/latency frontier (tags, table, hypervolume, plots) kept current on the parent.

Uses `MlflowClient` with explicit run ids (no global active run), so the same code serves
the local SQLite store and a remote tracking server.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from nas.config import ExperimentConfig
from nas.search import Frontier, compute_frontier, mask_password, trial_attrs, trial_state

_PLOT_PNG = "pareto.png"
_PLOT_HTML = "pareto.html"
_TABLE = "pareto_frontier.json"


def _flatten(prefix: str, value: Any, out: dict[str, str]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else k, v, out)
    else:
        out[prefix] = json.dumps(value) if isinstance(value, (list, tuple)) else str(value)


def trial_row(t) -> dict[str, Any]:
    a = trial_attrs(t)
    return {
        "number": t.number,
        "state": trial_state(t),
        "arch_name": a.get("arch_name", "?"),
        "top1": float(a.get("final_top1") or 0.0),
        "top5": float(a.get("final_top5") or 0.0),
        "latency_ms": float(a.get("latency_ms") or 0.0),
        "macs": int(a.get("macs") or 0),
        "params": int(a.get("params") or 0),
        "arch": a.get("arch"),
    }


class Tracker:
    """Owns the parent run of one search."""

    def __init__(
        self,
        cfg: ExperimentConfig,
        study,
        fingerprint: dict[str, Any],
        data_manifest: dict[str, Any] | None = None,
        plot_interval_s: float = 20.0,
    ) -> None:
        import os

        # MLflow prints "View run ... at: URL" on stdout for HTTP stores, which would break
        # `--json` output; the browse hint at the end of a search gives the URLs instead.
        os.environ.setdefault("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")
        import mlflow
        from mlflow.entities import Param, RunTag
        from mlflow.tracking import MlflowClient

        self.cfg = cfg
        self.budget = cfg.latency.budget_ms
        self.study_name = study.study_name
        self.uri = cfg.tracking.tracking_uri
        self.client = MlflowClient(self.uri)
        exp = self.client.get_experiment_by_name(cfg.tracking.experiment_name)
        if exp is not None:
            self.experiment_id = exp.experiment_id
        else:
            # Local stores: artifacts beside the experiment's other outputs, not in ./mlruns.
            location = None
            if not self.uri.startswith(("http://", "https://", "databricks")):
                location = (cfg.workdir.resolve() / "mlartifacts").as_uri()
            self.experiment_id = self.client.create_experiment(
                cfg.tracking.experiment_name, artifact_location=location
            )
        tags = {
            "mlflow.runName": f"search-{study.study_name}-{time.strftime('%Y%m%d-%H%M%S')}",
            "role": "search",
            "study_name": study.study_name,
            "storage": mask_password(cfg.search.storage),
            "backend": cfg.search.backend,
            "sampler": cfg.search.sampler,
            "objective": cfg.objective.kind,
            "budget_ms": str(self.budget),
            "device": f"{fingerprint.get('cpu')} / {fingerprint.get('threads')} thread(s) / "
            f"{fingerprint.get('backend_version')}",
        }
        run = self.client.create_run(self.experiment_id, tags=tags)
        self.parent_id = run.info.run_id
        params: dict[str, str] = {}
        resolved = cfg.to_dict()
        resolved["search"]["storage"] = mask_password(resolved["search"]["storage"])
        _flatten("", resolved, params)
        items = [Param(k, v[:6000]) for k, v in sorted(params.items())]
        for i in range(0, len(items), 100):
            self.client.log_batch(self.parent_id, params=items[i : i + 100])
        self.client.log_text(
            self.parent_id, yaml.safe_dump(resolved, sort_keys=False), "experiment.yaml"
        )
        self.client.log_dict(self.parent_id, fingerprint, "device_fingerprint.json")
        if data_manifest is not None:
            summary = {
                k: data_manifest.get(k)
                for k in ("source_root", "content_hash", "counts", "size", "seed", "wnids")
            }
            self.client.log_dict(self.parent_id, summary, "data_manifest.json")
            self.client.set_tag(
                self.parent_id, "data_content_hash", data_manifest.get("content_hash", "")
            )
        self.client.log_batch(
            self.parent_id,
            tags=[
                RunTag(
                    "mlflow.note.content",
                    "Accuracy/latency search. Artifacts: pareto.png, pareto.html, "
                    "pareto_frontier.json. Child runs: one per trial.",
                )
            ],
        )
        # Child runs of this study logged by earlier searches, so tags stay current.
        self.children: dict[int, str] = {}
        self._pareto_tag: dict[int, bool] = {}
        for r in self.client.search_runs(
            [self.experiment_id],
            filter_string=f"tags.study_name = '{study.study_name}' and tags.role = 'trial'",
            max_results=5000,
        ):
            number = int(r.data.tags["trial_number"])
            self.children[number] = r.info.run_id
            self._pareto_tag[number] = r.data.tags.get("pareto") == "true"
        self._front_keys: set[int] | None = None
        self._table_logged = False
        # Plots take ~0.3 s to render: redrawn when the frontier changes, at most every
        # `plot_interval_s` (every trial, for proxies that train for minutes), and at the end.
        self.plot_interval_s = plot_interval_s
        self._last_plot = float("-inf")
        self._plots_stale = False
        del mlflow

    # -- one child run per trial ------------------------------------------------------------
    def log_trial(self, t) -> str:
        from mlflow.entities import Metric, Param, RunStatus, RunTag

        a = trial_attrs(t)
        state = trial_state(t)
        reason = a.get("reason", "")
        if state == "failed" and not reason:
            reason = t.system_attrs.get("fail_reason", "") or "the trial raised an exception"
        tags = {
            "mlflow.runName": f"trial-{t.number:04d} {a.get('arch_name', '')}".strip(),
            "mlflow.parentRunId": self.parent_id,
            "role": "trial",
            "study_name": self.study_name,
            "trial_number": str(t.number),
            "state": state,
            "reason": str(reason)[:5000],
            "pareto": "false",
        }
        if "duplicate_of" in a:
            tags["duplicate_of"] = str(a["duplicate_of"])
        run_id = self.children.get(t.number)
        existing_params: set[str] = set()
        if run_id is None:
            run_id = self.client.create_run(self.experiment_id, tags=tags).info.run_id
            self.children[t.number] = run_id
        else:  # logged by an earlier, interrupted search: params cannot be logged twice
            self.client.log_batch(run_id, tags=[RunTag(k, v) for k, v in tags.items()])
            existing_params = set(self.client.get_run(run_id).data.params)
        now = int(time.time() * 1000)
        params = [
            Param(k, json.dumps(v) if isinstance(v, list) else str(v))
            for k, v in (a.get("arch") or {}).items()
        ]
        params += [Param(f"optuna.{k}", str(v)) for k, v in t.params.items()]
        metrics = [
            Metric(k, float(a[k]), now, 0)
            for k in (
                "macs",
                "params",
                "latency_ms",
                "latency_p10_ms",
                "latency_p90_ms",
                "latency_iqr_ms",
                "train_images_per_s",
                "final_top1",
                "final_top5",
                "train_seconds",
                "overhead_s",
            )
            if isinstance(a.get(k), (int, float))
        ]
        for name, key in (("top1", "top1_history"), ("top5", "top5_history")):
            metrics += [
                Metric(name, float(v), now, step)
                for step, v in enumerate(a.get(key) or [], start=1)
            ]
        params = [p for p in params if p.key not in existing_params]
        self.client.log_batch(run_id, metrics=metrics, params=params)
        status = {"failed": RunStatus.FAILED}.get(state, RunStatus.FINISHED)
        self.client.set_terminated(run_id, RunStatus.to_string(status))
        return run_id

    # -- the frontier on the parent run -----------------------------------------------------
    def update_frontier(self, trials, step: int, force_plots: bool = False) -> Frontier:
        from mlflow.entities import Metric

        frontier = compute_frontier(trials, self.budget)
        keys = frontier.keys
        for number, run_id in self.children.items():
            on = number in keys
            if self._pareto_tag.get(number) != on:
                self.client.set_tag(run_id, "pareto", "true" if on else "false")
                self._pareto_tag[number] = on
        now = int(time.time() * 1000)
        self.client.log_batch(
            self.parent_id,
            metrics=[
                Metric("hypervolume", frontier.hypervolume, now, step),
                Metric("frontier_size", len(frontier.front), now, step),
            ],
        )
        if keys != self._front_keys:
            self._front_keys = set(keys)
            self._plots_stale = True
        due = time.monotonic() - self._last_plot >= self.plot_interval_s
        if force_plots or (self._plots_stale and due):
            self._log_artifacts([trial_row(t) for t in trials], frontier)
            self._last_plot = time.monotonic()
            self._plots_stale = False
        return frontier

    def _log_artifacts(self, rows: list[dict[str, Any]], frontier: Frontier) -> None:
        from nas.plots import pareto_html, pareto_png

        front_rows = sorted(
            (r for r in rows if r["number"] in frontier.keys), key=lambda r: r["latency_ms"]
        )
        table = {
            "trial": [r["number"] for r in front_rows],
            "arch": [r["arch_name"] for r in front_rows],
            "latency_ms": [r["latency_ms"] for r in front_rows],
            "top1": [r["top1"] for r in front_rows],
            "top5": [r["top5"] for r in front_rows],
            "macs": [r["macs"] for r in front_rows],
            "params": [r["params"] for r in front_rows],
            "mlflow_run_id": [self.children.get(r["number"], "") for r in front_rows],
        }
        self._log_table(table)
        title = (
            f"{self.study_name}: {len(frontier.front)} on the frontier, "
            f"hypervolume {frontier.hypervolume:.3f}"
        )
        with tempfile.TemporaryDirectory() as tmp:
            png = pareto_png(rows, frontier.keys, self.budget, Path(tmp) / _PLOT_PNG, title)
            html = pareto_html(rows, frontier.keys, self.budget, Path(tmp) / _PLOT_HTML, title)
            self.client.log_artifact(self.parent_id, str(png))
            self.client.log_artifact(self.parent_id, str(html))

    def _log_table(self, table: dict[str, list]) -> None:
        """The frontier as an MLflow table artifact, replaced (not appended) on every update.

        `log_table` registers the artifact as a table for the UI but appends to an existing
        file; so it is used for the first write, and later writes rewrite the same file in
        the same (pandas "split") format.
        """
        import pandas as pd

        frame = pd.DataFrame(table)
        if not self._table_logged:
            self.client.log_table(self.parent_id, data=frame, artifact_file=_TABLE)
            self._table_logged = True
            return
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / _TABLE
            frame.to_json(path, orient="split", index=False)
            self.client.log_artifact(self.parent_id, str(path))

    def finish(self, status: str = "FINISHED") -> None:
        self.client.set_terminated(self.parent_id, status)

    def browse_hint(self) -> dict[str, str]:
        """How to open the runs: the `mlflow ui` command and the URLs of experiment and run."""
        base = self.uri if self.uri.startswith("http") else "http://127.0.0.1:5000"
        exp_url = f"{base}/#/experiments/{self.experiment_id}?workflowType=machine_learning"
        run_url = (
            f"{base}/#/experiments/{self.experiment_id}/runs/{self.parent_id}"
            "/artifacts/pareto.png?workflowType=machine_learning"
        )
        # The mlflow beside this Python (the project's venv), so the hint works unactivated.
        mlflow_exe = Path(sys.executable).with_name("mlflow")
        exe = str(mlflow_exe) if mlflow_exe.exists() else "mlflow"
        command = "" if self.uri.startswith("http") else f"{exe} ui --backend-store-uri {self.uri}"
        return {"command": command, "experiment_url": exp_url, "run_url": run_url}
