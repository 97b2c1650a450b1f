"""The `nas` command line. Heavy imports (torch, optuna, ray, mlflow) happen inside commands."""

from __future__ import annotations

import json
import sys
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
    """The options that pick one candidate, shared by every command that takes one."""
    options = [
        click.option("--width", "width_mult", type=float, default=1.0, show_default=True,
                     help="Width multiplier alpha."),
        click.option("--resolution", type=int, default=224, show_default=True,
                     help="Input side in pixels (>= 32)."),
        click.option("--depths", default=None,
                     help="Blocks per stage, 5 integers (paper: 1,2,2,6,2; shallow: 1,2,2,1,2)."),
        click.option("--depth-mult", type=float, default=None,
                     help="Scale the paper's depths by this (ceil per stage); excludes --depths."),
        click.option("--rounding", "channel_rounding",
                     type=click.Choice(["tf_slim", "make_divisible"]), default="tf_slim",
                     show_default=True, help="Channel rounding rule for the width multiplier."),
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
                width_mult=width_mult, resolution=resolution, depth_mult=depth_mult,
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
@click.option("--classes", "num_classes", type=int, default=1000, show_default=True,
              help="Classifier outputs.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def describe(width_mult, resolution, depths, depth_mult, channel_rounding, num_classes,
             as_json):
    """Print a candidate's layer table with exact mult-adds and parameters."""
    from nas.describe import describe as describe_arch

    arch = arch_from_options(width_mult=width_mult, resolution=resolution, depths=depths,
                             depth_mult=depth_mult, channel_rounding=channel_rounding)
    try:
        summary = describe_arch(arch, num_classes)
    except ValueError as err:
        raise click.UsageError(str(err)) from None
    if as_json:
        echo_json(summary)
        return
    from nas.console import print_describe

    print_describe(summary)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
