"""The experiment file: one YAML document, validated once into typed, frozen sections.

Unknown keys are errors (a typo never silently falls back to a default); every value has a
default, so a short file works. Errors name the key path and the bad value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from search_spaces import SearchSpace
from trainers.config import TrainConfig


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RangeSpec(_Section):
    low: float
    high: float
    step: float = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> RangeSpec:
        if self.low > self.high:
            raise ValueError(f"low ({self.low}) must be <= high ({self.high})")
        return self


class SpaceConfig(_Section):
    """What the search may pick."""

    width: list[float] | RangeSpec = [0.25, 0.35, 0.5, 0.75, 1.0]
    resolution: list[int] | RangeSpec = [96, 128, 160, 192, 224]
    # Per-stage (min, max) blocks; the paper's network is (1, 2, 2, 6, 2).
    stage_depths: list[tuple[int, int]] | None = [(1, 1), (1, 2), (1, 2), (1, 6), (1, 2)]
    # Or an EfficientNet-style depth multiplier (replaces stage_depths).
    depth_mult: list[float] | RangeSpec | None = None
    channel_rounding: Literal["tf_slim", "make_divisible"] = "tf_slim"

    def to_search_space(self) -> SearchSpace:
        def plain(v):
            return v.model_dump() if isinstance(v, RangeSpec) else v

        kwargs: dict[str, Any] = {
            "widths": plain(self.width),
            "resolutions": plain(self.resolution),
            "channel_rounding": self.channel_rounding,
        }
        if self.depth_mult is not None:
            kwargs["depth_mults"] = plain(self.depth_mult)
        elif self.stage_depths is not None:
            kwargs["stage_depth_ranges"] = tuple(tuple(r) for r in self.stage_depths)
        return SearchSpace(**kwargs)

    @model_validator(mode="after")
    def _valid_space(self) -> SpaceConfig:
        self.to_search_space()  # raises ValueError naming the bad value
        return self


class SyntheticConfig(_Section):
    """The generated ILSVRC-shaped set used when `data.root` is not given."""

    classes: int = Field(10, ge=2)
    train_per_class: int = Field(100, ge=1)
    val_per_class: int = Field(10, ge=0)
    seed: int = 0
    min_side: int = Field(200, ge=16)
    max_side: int = Field(500, ge=16)


class DataConfig(_Section):
    """Which ILSVRC subset proxies train on."""

    # ILSVRC-2012 root (train/, val/). None: generate the synthetic set under `workdir`.
    root: Path | None = None
    synthetic: SyntheticConfig = SyntheticConfig()
    classes: int | None = Field(None, ge=2)
    wnids_file: Path | None = None
    train_per_class: int = Field(80, ge=1)
    val_per_class: int = Field(20, ge=1)
    # Side of the cached squares; default: the space's largest resolution.
    size: int | None = Field(None, ge=32)
    cache_dir: Path = Path("cache")
    seed: int = 0
    workers: int | None = Field(None, ge=1)

    @property
    def num_classes(self) -> int:
        if self.classes is not None:
            return self.classes
        return self.synthetic.classes if self.root is None else 100


class LatencyConfig(_Section):
    """How a candidate's latency is known and what budget it must meet."""

    # "lut": predicted from a lookup table (built on first use when missing); "measure":
    # measured on this machine for every trial.
    mode: Literal["lut", "measure"] = "lut"
    lut: Path = Path("lut.json")
    backend: Literal["torch", "onnxruntime"] = "torch"
    device: Literal["cpu", "cuda"] = "cpu"
    threads: int = Field(1, ge=1)
    batch_size: int = Field(1, ge=1)
    min_repeats: int = Field(30, ge=1)
    min_seconds: float = Field(0.5, ge=0)
    # The hard budget T in milliseconds.
    budget_ms: float = Field(20.0, gt=0)
    # Which statistic must meet the budget when measuring: "median" or the stricter "p90".
    noise_policy: Literal["median", "p90"] = "median"
    # A table from another device fingerprint: "error" (refuse) or "warn" (use it anyway).
    on_fingerprint_mismatch: Literal["error", "warn"] = "error"
    calibration_samples: int = Field(8, ge=0)

    def measure_config(self):
        from nas.latency import MeasureConfig

        return MeasureConfig(
            backend=self.backend,
            device=self.device,
            threads=self.threads,
            batch_size=self.batch_size,
            min_repeats=self.min_repeats,
            min_seconds=self.min_seconds,
            max_seconds=max(30.0, self.min_seconds),
        )


class ObjectiveConfig(_Section):
    # "multi": maximise top-1 and minimise latency, the budget a hard constraint.
    # "mnas": maximise MnasNet's reward ACC * (LAT / T) ** w (single objective).
    kind: Literal["multi", "mnas"] = "multi"
    mnas_w: float = Field(-0.07, le=0)


class SearchConfig(_Section):
    # "optuna": trials one after another in this process. "ray": Ray Tune runs trials in
    # parallel on a Ray cluster; each Tune trial is one Optuna trial of the same study.
    backend: Literal["optuna", "ray"] = "optuna"
    sampler: Literal["tpe", "nsga2", "random", "grid"] = "tpe"
    # "none"; "median" (single objective); "halving": successive halving within latency bands.
    pruner: Literal["none", "median", "halving"] = "halving"
    n_trials: int | None = Field(20, ge=1)
    timeout_s: float | None = Field(None, gt=0)
    seed: int = 0
    study_name: str = "mbv1-search"
    storage: str = "sqlite:///nas.db"

    # Ray only: cluster address ("auto", "ray://host:10001"; None starts a local runtime),
    # trials at once, and resources per trial. Use a storage every worker reaches
    # (PostgreSQL, or SQLite on a shared disk for a single machine).
    ray_address: str | None = None
    max_concurrent: int = Field(2, ge=1)
    cpus_per_trial: float = Field(1, gt=0)
    gpus_per_trial: float = Field(0, ge=0)

    @model_validator(mode="after")
    def _stops(self) -> SearchConfig:
        if self.n_trials is None and self.timeout_s is None:
            raise ValueError("give n_trials or timeout_s (or both), or the search never stops")
        return self


class TrackingConfig(_Section):
    enabled: bool = True
    tracking_uri: str = "sqlite:///mlflow.db"
    experiment_name: str = "mbv1-nas"


class ExperimentConfig(_Section):
    """The whole experiment; every section optional."""

    space: SpaceConfig = SpaceConfig()
    data: DataConfig = DataConfig()
    # Proxy training: `trainers.TrainConfig` itself, validated by pydantic (unknown keys and
    # bad values are errors naming `training.<key>`), so its fields are declared once.
    training: TrainConfig = TrainConfig()
    latency: LatencyConfig = LatencyConfig()
    objective: ObjectiveConfig = ObjectiveConfig()
    search: SearchConfig = SearchConfig()
    tracking: TrackingConfig = TrackingConfig()
    # Folder for generated data, the cache, the lookup table (relative paths resolve here).
    workdir: Path = Path(".")

    @field_validator("workdir")
    @classmethod
    def _workdir(cls, v: Path) -> Path:
        return Path(v)

    def resolve(self, path: Path) -> Path:
        return path if path.is_absolute() else self.workdir / path

    @property
    def cache_size(self) -> int:
        return self.data.size or self.space.to_search_space().max_resolution

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def with_overrides(self, **sections: dict[str, Any]) -> ExperimentConfig:
        data = self.model_dump()
        for section, values in sections.items():
            data[section] = {**data[section], **{k: v for k, v in values.items() if v is not None}}
        return ExperimentConfig.model_validate(data)


def format_validation_error(err: ValidationError, source: str) -> str:
    lines = [f"{source}: invalid experiment configuration"]
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"]) or "(top level)"
        value = e.get("input")
        if e["type"] == "extra_forbidden":
            lines.append(f"  {loc}: unknown key (value {value!r})")
        else:
            lines.append(f"  {loc}: {e['msg']} (got {value!r})")
    return "\n".join(lines)


def parse_experiment(data: Any, source: str = "experiment") -> ExperimentConfig:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ValueError(f"{source}: the experiment must be a mapping, got {type(data).__name__}")
    try:
        return ExperimentConfig.model_validate(data)
    except ValidationError as err:
        raise ValueError(format_validation_error(err, source)) from None


def load_experiment(path: Path) -> ExperimentConfig:
    """Read and validate an experiment YAML; relative paths resolve against `workdir`."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as err:
        raise ValueError(f"cannot read experiment file {path}: {err.strerror}") from None
    except yaml.YAMLError as err:
        raise ValueError(f"{path} is not valid YAML: {err}") from None
    return parse_experiment(data, str(path))
