from __future__ import annotations

import json

from click.testing import CliRunner

from nas.cli import main


def test_synth_then_prepare_json(tmp_path):
    runner = CliRunner()
    root = tmp_path / "imagenet"
    result = runner.invoke(
        main,
        [
            "data",
            "synth",
            "--out",
            str(root),
            "--classes",
            "3",
            "--train-per-class",
            "5",
            "--val-per-class",
            "2",
            "--val-layout",
            "folders",
            "--workers",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (root / "val").iterdir()) == [
        "n90000000",
        "n90000001",
        "n90000002",
    ]
    args = [
        "data",
        "prepare",
        "--root",
        str(root),
        "--out",
        str(tmp_path / "cache"),
        "--classes",
        "3",
        "--train-per-class",
        "4",
        "--val-per-class",
        "1",
        "--size",
        "32",
        "--official-val",
        "--json",
    ]
    first = json.loads(runner.invoke(main, args).output)
    assert first["counts"] == {"train": 12, "val": 3, "test": 6}
    assert first["reused"] is False and first["skipped"] == 0
    second = json.loads(runner.invoke(main, args).output)
    assert second["reused"] is True and second["path"] == first["path"]


def test_prepare_errors_are_clean(tmp_path):
    result = CliRunner().invoke(
        main, ["data", "prepare", "--root", str(tmp_path / "none"), "--out", str(tmp_path / "c")]
    )
    assert result.exit_code == 1
    assert f"Error: dataset root {tmp_path / 'none'} does not exist" in result.output


def test_synth_refuses_to_overwrite(tmp_path):
    runner = CliRunner()
    args = [
        "data",
        "synth",
        "--out",
        str(tmp_path / "s"),
        "--classes",
        "2",
        "--train-per-class",
        "1",
        "--val-per-class",
        "1",
        "--workers",
        "1",
    ]
    assert runner.invoke(main, args).exit_code == 0
    result = runner.invoke(main, args)
    assert result.exit_code == 1 and "already exists" in result.output
