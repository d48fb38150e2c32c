"""`causal-experiment --train/--test` and `causal-tui --train-only` as a user runs them."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import snapshot_files

from causal_tui.cli.main import experiment_main, tui_main
from causal_tui.data import dataset as data
from causal_tui.store import model_folder
from causal_tui.systems.catalog import SEED

BIN = Path(sys.executable).parent
SMALL_FLAGS = ["--epochs", "1", "--lr", "3e-3", "--batch-size", "32", "--n-embd", "32",
               "--n-layer", "1", "--n-head", "2", "--train-size", "640", "--valid-size", "32",
               "--test-size", "16"]


def test_test_prints_truth_then_marked_fields(trained, capsys):
    code = experiment_main(["--test", "1,0,1,0,1", "--out-dir", str(trained.out)])
    out = capsys.readouterr().out
    assert code == 0
    assert SEED.explain((1, 0, 1, 0, 1)) in out
    assert "held out of training" in out
    result = trained.result.report.result((1, 0, 1, 0, 1))
    assert f"model completion: {result.completion!r}" in out
    for f in SEED.fields:
        verdict = "right" if result.fields[f].correct else "wrong"
        assert any(line.strip().startswith(f) and verdict in line for line in out.splitlines()), f


def test_test_on_a_trained_state_says_so(trained, capsys):
    assert experiment_main(["--test", "1,1,0,0,1", "--out-dir", str(trained.out)]) == 0
    out = capsys.readouterr().out
    assert "exact match" in out and "in the training data" in out
    assert out.count("right") == len(SEED.fields)


@pytest.mark.parametrize("state", ["1,0,1,0", "1,0,1,0,2", "10101", ""])
def test_test_with_a_malformed_state(trained, capsys, state):
    assert experiment_main(["--test", state, "--out-dir", str(trained.out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --test") and len(err.strip().splitlines()) == 1


def test_test_without_a_model(workdir, capsys):
    assert experiment_main(["--test", "1,0,1,0,1"]) == 2
    err = capsys.readouterr().err
    assert "no model" in err and "--train" in err and len(err.strip().splitlines()) == 1


def test_train_generates_a_missing_dataset_and_says_so(workdir, capsys):
    assert experiment_main(["--train", *SMALL_FLAGS, "--max-steps", "3"]) == 0
    out = capsys.readouterr().out
    assert "has no dataset: generated it" in out
    assert data.load(workdir / "dataset").sizes == {"train": 640, "valid": 32, "test": 16}
    assert (model_folder.final_dir(workdir / "out") / model_folder.MANIFEST).exists()
    assert "trained states exact" in out


@pytest.mark.parametrize("flag, value", [("--epochs", "0"), ("--epochs", "-1"), ("--batch-size", "0"),
                                         ("--lr", "0"), ("--lr", "-0.1"), ("--lr", "nan"), ("--epochs", "x")])
def test_non_positive_hyperparameters(workdir, capsys, flag, value):
    experiment_main(["--generate", "--train-size", "50"])
    before = snapshot_files(workdir)
    capsys.readouterr()
    with pytest.raises(SystemExit) as e:
        experiment_main(["--train", f"{flag}={value}"])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and flag in err
    assert snapshot_files(workdir) == before


@pytest.mark.parametrize("break_it, fragment", [
    (lambda d: (d / "train.jsonl").unlink(), "train.jsonl is missing"),
    (lambda d: (d / "valid.jsonl").write_text('{"prompt": "0,1'), "valid.jsonl:1: not valid JSON"),
    (lambda d: (d / "test.jsonl").write_text(""), "holds no examples"),
])
def test_missing_or_corrupt_dataset(workdir, capsys, break_it, fragment):
    experiment_main(["--generate", "--train-size", "50"])
    break_it(workdir / "dataset")
    before = snapshot_files(workdir)
    capsys.readouterr()
    assert experiment_main(["--train"]) == 2
    err = capsys.readouterr().err
    assert fragment in err and len(err.strip().splitlines()) == 1
    assert snapshot_files(workdir) == before


def test_train_only_regenerates_when_the_omit_list_differs(workdir, capsys):
    experiment_main(["--generate", "--train-size", "640", "--valid-size", "32", "--test-size", "16"])
    assert tui_main(["--train-only", *SMALL_FLAGS, "--max-steps", "2", "--omit", "0,0,0,0,0"]) == 0
    out = capsys.readouterr().out
    assert "omitted asked for differ" in out
    assert data.load(workdir / "dataset").omitted == ((0, 0, 0, 0, 0),)
    manifest = model_folder.read_manifest(model_folder.final_dir(workdir / "out"))
    assert manifest["dataset"]["omitted"] == ["0,0,0,0,0"]
    assert "Probe: all 32 input states" in out


def test_train_only_ctrl_c_keeps_the_previous_model_and_exits_130(trained, workdir):
    out = workdir / "out"
    import shutil
    shutil.copytree(trained.final, model_folder.final_dir(out))
    before = snapshot_files(model_folder.final_dir(out))
    proc = subprocess.Popen(
        [str(BIN / "causal-tui"), "--train-only", *SMALL_FLAGS, "--train-size", "200000"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, "COLUMNS": "100"},
    )
    # Wait until training has begun (its config is logged first), then Ctrl+C.
    deadline = time.monotonic() + 120
    log = workdir / "logs"
    while time.monotonic() < deadline:
        if log.is_dir() and any("training config" in p.read_text() for p in log.glob("*.log")):
            break
        time.sleep(0.2)
    time.sleep(2)
    proc.send_signal(signal.SIGINT)
    output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130, output
    assert "stopped at step" in output
    assert snapshot_files(model_folder.final_dir(out)) == before
    # A checkpoint of where it stopped, for --resume.
    assert list(model_folder.run_dir(out).glob("checkpoint-*"))


def test_python_dash_m_runs_the_same_command_line():
    r = subprocess.run([sys.executable, "-m", "causal_tui", "--help"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "--train-only" in r.stdout and "sweep" in r.stdout
