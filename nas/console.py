"""Terminal rendering with rich; kept apart so JSON output never imports it."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table


def _console() -> Console:
    # Tables are ~100 columns wide; when piped (no terminal) rich would assume 80 and cut them.
    probe = Console()
    return probe if probe.is_terminal else Console(width=max(probe.width, 120))


console = _console()


def print_describe(summary: dict[str, Any]) -> None:
    table = Table(title=f"{summary['name']}  ({summary['num_classes']} classes)")
    for col in ("#", "type", "k", "stride", "in ch", "out ch", "input", "MACs", "params"):
        table.add_column(col, justify="left" if col == "type" else "right")
    for i, row in enumerate(summary["table"]):
        size = f"{row['input_size']}x{row['input_size']}"
        table.add_row(
            str(i),
            row["type"],
            f"{row['kernel']}x{row['kernel']}",
            f"s{row['stride']}",
            str(row["in_channels"]),
            str(row["out_channels"]),
            size,
            f"{row['macs']:,}",
            f"{row['params']:,}",
        )
    console.print(table)
    console.print(
        f"layers (with weights): {summary['num_layers']}   "
        f"mult-adds: {summary['macs']:,} ({summary['macs'] / 1e6:.2f} M)   "
        f"params (conv+FC weights): {summary['params']:,} ({summary['params'] / 1e6:.3f} M)   "
        f"params with BN and FC bias: {summary['params_with_bn']:,}"
    )


class ProgressBar:
    """A rich progress bar driven by `(done, total)` callbacks, as `trainers/` reports."""

    def __init__(self, description: str, *, enabled: bool = True) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.description = description
        self.enabled = enabled
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            disable=not enabled,
            transient=False,
        )
        self._task = None
        self._start = None

    def __enter__(self) -> ProgressBar:
        self._progress.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._progress.__exit__(*exc)

    def __call__(self, done: int, total: int) -> None:
        import time

        if self._task is None:
            self._task = self._progress.add_task(self.description, total=total, rate="")
            self._start = time.perf_counter()
        elapsed = time.perf_counter() - self._start
        rate = f"{done / elapsed:,.0f}/s" if elapsed > 0 and done else ""
        self._progress.update(self._task, completed=done, total=total, rate=rate)


class TrainProgress:
    """A bar over training steps showing epoch, loss, accuracy and images/s."""

    def __init__(self, epochs: int, *, enabled: bool = True) -> None:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.epochs = epochs
        self.enabled = enabled
        self._progress = Progress(
            TextColumn("[bold]train"),
            BarColumn(),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            disable=not enabled,
        )
        self._task = None

    def __enter__(self) -> TrainProgress:
        self._progress.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._progress.__exit__(*exc)

    def step(self, done: int, total: int) -> None:
        if self._task is None:
            self._task = self._progress.add_task("train", total=total, status="epoch 1")
        self._progress.update(self._task, completed=done, total=total)

    def report(self, epoch: int, metrics: dict[str, float]) -> bool:
        if self._task is not None:
            self._progress.update(
                self._task,
                status=(
                    f"epoch {epoch}/{self.epochs}  loss {metrics['train_loss']:.3f}  "
                    f"top-1 {metrics['top1']:.2%}  {metrics['train_images_per_s']:,.0f} img/s"
                ),
            )
        if self.enabled:
            self._progress.console.print(
                f"epoch {epoch}/{self.epochs}: loss {metrics['train_loss']:.3f}, "
                f"top-1 {metrics['top1']:.2%}, top-5 {metrics['top5']:.2%}, "
                f"{metrics['train_images_per_s']:,.0f} img/s"
            )
        return False


def print_frontier(rows: list[dict[str, Any]], hypervolume: float, budget_ms: float) -> None:
    table = Table(title=f"Pareto frontier (budget {budget_ms:g} ms)")
    for col in ("trial", "arch", "MACs (M)", "params (M)", "latency (ms)", "top-1"):
        table.add_column(col, justify="left" if col == "arch" else "right")
    for r in rows:
        table.add_row(
            str(r["trial"]),
            str(r["arch"]),
            f"{(r['macs'] or 0) / 1e6:.1f}",
            f"{(r['params'] or 0) / 1e6:.3f}",
            f"{r['latency_ms']:.3f}",
            f"{r['top1']:.2%}",
        )
    console.print(table)
    console.print(f"hypervolume (top-1 x ms under the budget): {hypervolume:.4f}")
