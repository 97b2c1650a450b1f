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
            str(i), row["type"], f"{row['kernel']}x{row['kernel']}", f"s{row['stride']}",
            str(row["in_channels"]), str(row["out_channels"]), size,
            f"{row['macs']:,}", f"{row['params']:,}",
        )
    console.print(table)
    console.print(
        f"layers (with weights): {summary['num_layers']}   "
        f"mult-adds: {summary['macs']:,} ({summary['macs'] / 1e6:.2f} M)   "
        f"params (conv+FC weights): {summary['params']:,} ({summary['params'] / 1e6:.3f} M)   "
        f"params with BN and FC bias: {summary['params_with_bn']:,}"
    )
