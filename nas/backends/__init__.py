"""Search backends. Both run the same trial body (`nas.search.objective`) against the same
Optuna study; they differ only in where and how many trials run at once."""

from __future__ import annotations

from nas.backends.local import run_local
from nas.backends.ray_tune import run_ray

__all__ = ["run_local", "run_ray"]
