from __future__ import annotations

import json

from click.testing import CliRunner

from nas.cli import main

FAST = ["--min-repeats", "5", "--min-seconds", "0.05"]


def test_measure_json():
    result = CliRunner().invoke(
        main,
        [
            "latency",
            "measure",
            "--width",
            "0.25",
            "--resolution",
            "64",
            "--depths",
            "1,1,1,1,1",
            "--json",
            *FAST,
        ],
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["median_ms"] > 0 and out["fingerprint"]["threads"] == 1


def test_build_lut_from_experiment_and_check(tmp_path):
    exp = tmp_path / "exp.yaml"
    exp.write_text(
        "space:\n  width: [0.25, 0.5]\n  resolution: [64]\n"
        "  stage_depths: [[1, 1], [1, 1], [1, 1], [1, 2], [1, 1]]\n"
        "data:\n  classes: 5\n"
    )
    lut = tmp_path / "lut.json"
    runner = CliRunner()
    result = runner.invoke(
        main,
        [
            "latency",
            "build-lut",
            "--out",
            str(lut),
            "--space",
            str(exp),
            "--calibration-samples",
            "2",
            *FAST,
        ],
    )
    assert result.exit_code == 0, result.output
    table = json.loads(lut.read_text())
    assert table["num_classes"] == 5 and table["space"]["widths"] == [0.25, 0.5]
    result = runner.invoke(
        main, ["latency", "check", "--lut", str(lut), "--samples", "3", "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["samples"] == 3 and len(report["rows"]) == 3
    assert report["predict_us"] > 0 and report["mape"] >= 0


def test_check_refuses_other_device(tmp_path):
    lut = tmp_path / "lut.json"
    runner = CliRunner()
    assert (
        runner.invoke(
            main,
            [
                "latency",
                "build-lut",
                "--out",
                str(lut),
                "--calibration-samples",
                "0",
                *FAST,
                "--space",
                str(_tiny_space(tmp_path)),
            ],
        ).exit_code
        == 0
    )
    data = json.loads(lut.read_text())
    data["fingerprint"]["cpu"] = "Other CPU"
    lut.write_text(json.dumps(data))
    result = runner.invoke(main, ["latency", "check", "--lut", str(lut), "--samples", "2"])
    assert result.exit_code == 1 and "another setup" in result.output


def _tiny_space(tmp_path):
    exp = tmp_path / "tiny.yaml"
    exp.write_text(
        "space:\n  width: [0.25]\n  resolution: [32]\n"
        "  stage_depths: [[1, 1], [1, 1], [1, 1], [1, 1], [1, 1]]\n"
    )
    return exp
