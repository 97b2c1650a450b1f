from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from nas.cli import main


def _nas_executable() -> str:
    exe = Path(sys.executable).with_name("nas")
    return str(exe) if exe.exists() else shutil.which("nas") or "nas"


def test_describe_json_from_installed_command():
    out = subprocess.run(
        [
            _nas_executable(),
            "describe",
            "--width",
            "1.0",
            "--resolution",
            "224",
            "--depths",
            "1,2,2,6,2",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    summary = json.loads(out.stdout)
    assert summary["macs"] == 568_740_352
    assert summary["params"] == 4_209_088
    assert summary["params_with_bn"] == 4_231_976
    assert summary["num_layers"] == 28
    assert len(summary["layers"]) == 28
    assert summary["layers"][0]["type"] == "Conv"
    assert sum(row["macs"] for row in summary["layers"]) == summary["macs"]


def test_describe_table_text():
    result = CliRunner().invoke(
        main, ["describe", "--width", "0.75", "--resolution", "160", "--depths", "1,2,2,6,2"]
    )
    assert result.exit_code == 0, result.output
    assert "Conv dw" in result.output
    assert "166,396,800" in result.output  # 0.75 MobileNet-160 mult-adds
    assert "2,568,144" in result.output


def test_describe_classes_and_depth_mult():
    result = CliRunner().invoke(
        main,
        [
            "describe",
            "--width",
            "0.5",
            "--resolution",
            "96",
            "--depth-mult",
            "0.5",
            "--classes",
            "10",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["arch"]["stage_depths"] == [1, 1, 1, 3, 1]
    assert summary["layers"][-1]["out_channels"] == 10


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--width", "0"], "width_mult must be in (0, 4.0], got 0.0"),
        (["--resolution", "16"], "resolution must be at least 32, got 16"),
        (["--depths", "1,2,2"], "stage_depths must have 5 entries"),
        (["--depths", "1,x,2,6,2"], "comma-separated integers"),
        (["--depths", "1,2,2,6,2", "--depth-mult", "1.0"], "not both"),
        (["--classes", "0"], "num_classes must be a positive integer, got 0"),
    ],
)
def test_describe_bad_input(args, message):
    result = CliRunner().invoke(main, ["describe", *args])
    assert result.exit_code == 2
    assert message in result.output


def test_help_is_fast_and_light():
    code = (
        "import sys; from nas.cli import main; "
        "print(sorted(m for m in ('torch', 'optuna', 'ray', 'mlflow') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
