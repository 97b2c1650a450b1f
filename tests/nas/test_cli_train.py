from __future__ import annotations

import json

from click.testing import CliRunner

from nas.cli import main


def test_train_json_end_to_end(learnable_cache):
    result = CliRunner().invoke(
        main,
        [
            "train",
            "--data",
            str(learnable_cache.path),
            "--width",
            "0.25",
            "--resolution",
            "32",
            "--depths",
            "1,1,1,2,1",
            "--epochs",
            "2",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["status"] == "completed" and out["epochs_done"] == 2
    assert len(out["history"]) == 2
    assert 0 <= out["final_top1"] <= 1 and out["train_images_per_s"] > 0
    assert out["arch"]["stage_depths"] == [1, 1, 1, 2, 1]
    assert out["data"]["content_hash"] == learnable_cache.content_hash


def test_train_bad_cache(tmp_path):
    result = CliRunner().invoke(main, ["train", "--data", str(tmp_path), "--json"])
    assert result.exit_code == 1 and "holds no cache" in result.output
