"""`moderation train` and `moderation evaluate` as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from moderation.classifier.data import read_paths
from moderation.classifier.train import train

ROOT = Path(__file__).resolve().parents[2]
YOUTUBE = ROOT.parent / "shared" / "data" / "youtube-spam-collection"
KEYS = ("n", "mcc", "roc_auc", "coverage", "auto_error_rate", "pending")


def run_cli(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODERATION_")}
    env["MODERATION_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "moderation", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def test_train_then_evaluate_the_seed_corpus_from_the_command_line(tmp_path):
    out = tmp_path / "model.skops"
    corpus = ROOT / "models" / "corpus"
    trained = run_cli("train", "--data", str(corpus), "--out", str(out), data_dir=tmp_path)
    assert trained.returncode == 0, trained.stderr
    assert "training on" in trained.stderr  # progress is shown
    assert out.exists()
    report = json.loads(trained.stdout.strip().splitlines()[-1])
    assert report["file"] == str(out)
    evaluated = run_cli("evaluate", "--data", str(corpus), "--model", str(out), data_dir=tmp_path)
    assert evaluated.returncode == 0, evaluated.stderr
    figures = json.loads(evaluated.stdout)
    for key in ("n", "accuracy", "mcc", "roc_auc", "coverage", "auto_error_rate", "pending"):
        assert key in figures
    assert set(figures["spam_auto_approved"]) == {"count", "rate"}
    assert figures["n"] > 800


def test_a_missing_data_file_is_a_clear_error(tmp_path):
    result = run_cli("train", "--data", str(tmp_path / "nope.jsonl"), data_dir=tmp_path)
    assert result.returncode == 2
    assert "no such file or folder" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(not YOUTUBE.is_dir(), reason="the YouTube Spam Collection is not in ../shared")
def test_training_on_youtube_from_the_cli_matches_the_benchmark_protocol(tmp_path):
    files = sorted(YOUTUBE.glob("*.csv"))
    fit_files, test_file = files[:-1], files[-1]
    model_file = tmp_path / "yt.skops"
    trained = run_cli(
        "train",
        "--data",
        *map(str, fit_files),
        "--holdout",
        "0",
        "--out",
        str(model_file),
        data_dir=tmp_path,
    )
    assert trained.returncode == 0, trained.stderr
    evaluated = run_cli(
        "evaluate", "--data", str(test_file), "--model", str(model_file), data_dir=tmp_path
    )
    assert evaluated.returncode == 0, evaluated.stderr
    cli = json.loads(evaluated.stdout)
    # bench/classifier.py's fold for this video: the same training and decision code.
    bench = train(read_paths(fit_files), heldout=read_paths([test_file]), identity=True)
    expected = bench.metadata["evaluation"]["heldout"]
    assert {k: cli[k] for k in KEYS} == {k: expected[k] for k in KEYS}
