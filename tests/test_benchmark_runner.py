"""The benchmark scripts' command lines: failures exit non-zero, missing inputs are named, the
per-seed scripts still compute the models' own fits."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

RUN = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


def run(*args, script=RUN, timeout=300):
    """A benchmark script (``run.py`` unless named) with ``args``, its output captured."""
    return subprocess.run(
        [sys.executable, str(script), *args], capture_output=True, text=True, timeout=timeout,
    )


def test_failed_runs_exit_non_zero_with_one_message_per_cause(tmp_path):
    result = run("--models", "AEKMeans", "--seeds", "2", "--set", "batch_size=0",
                 "--out", str(tmp_path), "--tag", "t", "--jobs", "1", "--threads", "1")
    assert result.returncode == 1
    assert "2 of 6 runs failed" in result.stderr
    # one message for the cause, not one per run
    assert result.stdout.count("FAILED: InvalidParameterError") == 1
    assert "digits AEKMeans seed 0, digits AEKMeans seed 1" in result.stderr
    # the runs that worked are kept
    with open(tmp_path / "t.csv", newline="") as f:
        models = sorted(row["model"] for row in csv.DictReader(f))
    assert models == ["GaussianMixture", "GaussianMixture", "KMeans", "KMeans"]


def test_missing_data_file_is_named_before_any_run(tmp_path):
    result = run("--datasets", "usps", "--data-dir", str(tmp_path), "--out", str(tmp_path))
    assert result.returncode == 2
    assert "usps.npz" in result.stderr and str(tmp_path) in result.stderr
    assert not list(tmp_path.iterdir())  # nothing ran, nothing written


def test_unknown_model_lists_the_available_ones():
    result = run("--models", "NoSuchModel")
    assert result.returncode == 2
    assert "NoSuchModel" in result.stderr and "AEKMeans" in result.stderr


@pytest.mark.parametrize(
    "script", ["augment_clustering.py", "code_mixture.py", "dvae_similarity.py"],
)
def test_per_seed_scripts_still_compute_the_models_fits(script):
    # Each script rebuilds a model's fit from its parts (private hooks included); --check
    # fits the models on digits and exits non-zero where a part no longer matches.
    result = run("--check", script=RUN.parent / script, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "DIFFERENT" not in result.stdout and "same" in result.stdout


def test_pretrain_curve_follows_sddeccs_pretraining(tmp_path):
    # SDDECC trains its whole module in pretraining (the autoencoder with its MI and prior
    # terms): the k-means checkpoints must reach the autoencoder inside it.
    out = tmp_path / "curve.json"
    script = RUN.parent / "pretrain_curve.py"
    result = run("--estimator", "SDDECC", "--optimizer", "adam", "--augment", "none",
                 "--epochs", "25", "--seeds", "0", "--out", str(out), script=script)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = json.loads(out.read_text())
    assert [(row["estimator"], row["epoch"]) for row in rows] == [("SDDECC", 25)]
    assert len(rows[0]["labels"]) == 1797
    summary = run("--summarize", str(out), script=script)
    assert summary.returncode == 0, summary.stderr
    assert "| digits | SDDECC | adam | none | 0.001 | 256 | 25 | 1 |" in summary.stdout
