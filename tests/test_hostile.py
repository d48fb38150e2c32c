"""Tried as a hostile or careless user would: every bad input is one line and
exit 2 before anything is written (the tree is unchanged), and the store
keeps its promises under faults (a reader racing a writer, a kill in the
middle of a checkpoint, a killed sweep parent, a killed training)."""

from __future__ import annotations

import json
import os
import shutil
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
from causal_tui.systems.holdout import HeldOut

BIN = Path(sys.executable).parent
TINY = ["--n-embd", "32", "--n-layer", "1", "--n-head", "2", "--epochs", "1", "--batch-size", "32",
        "--train-size", "320", "--valid-size", "32", "--test-size", "16", "--precision", "fp32"]


@pytest.fixture
def a_tree(workdir, trained):
    """A folder as a user has it: a dataset and a current model."""
    data.write(data.generate(HeldOut.parse_list("1,0,1,0,1", SEED), seed=0, sizes={"train": 64, "valid": 8,
                                                                                   "test": 8}),
               workdir / "dataset")
    shutil.copytree(trained.final, model_folder.final_dir(workdir / "out"))
    return workdir


BAD = [
    (["train", "--seed", "-1"], "--seed must be at least 0"),
    (["train", "--epochs", "inf"], "finite"),
    (["train", "--epochs", "nan"], "finite"),
    (["train", "--train-size", "1000000000000"], "--train-size must be at most"),
    (["train", "--batch-size", "65536", "--n-embd", "4096"], "needs about"),
    (["train", "--n-embd", "8192", "--n-layer", "128", "--n-head", "8"], "needs about"),
    (["train", "--holdout", "A=1&C=1", "--holdout-seed", "3"], "--holdout-seed draws"),
    (["train", "--system", "/dev/zero"], "not a regular file"),
    (["train", "--holdout", "1" * 200_000], "at most"),
    (["sweep", "--holdout", "A=1", "--seeds", "1000000000000"], "--seeds must be at most"),
    (["sweep", "--holdout", "A=1", "--grid", "lr=1,2,3 batch_size=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,"
      "21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40"], "must be at most 1"),
    (["sweep", "--holdout", "A=1", "--name", "../escape"], "must be a folder name"),
    (["inspect", "--iia", "--das", "--das-dims", "100000"], "--das-dims must be at most"),
    (["runs", "delete", "../../x", "--yes"], "is not a run id"),
    (["runs", "show", "../out"], "is not a run id"),
    (["probe", "--sweep", "../../etc"], "a sweep's name is a folder name"),
    (["export", "--model", "out/tiny-gpt2-causal/final", "--output", "out/tiny-gpt2-causal/final/model.safetensors",
      "--format", "csv"], "inside out/"),
    (["export", "--model", "out/tiny-gpt2-causal/final", "--output", "dataset/train.jsonl", "--format", "csv"],
     "inside dataset/"),
]


@pytest.mark.parametrize("argv, fragment", BAD, ids=[" ".join(a)[:40] for a, _ in BAD])
def test_bad_input_is_one_line_and_changes_nothing(a_tree, capsys, argv, fragment):
    before = snapshot_files(a_tree)
    assert tui_main(argv) == 2
    err = capsys.readouterr().err
    assert fragment in err and len(err.strip().splitlines()) == 1, err
    assert snapshot_files(a_tree) == before


def test_device_cuda_without_a_gpu_is_refused_before_dataset_is_touched(a_tree, capsys):
    import torch

    if torch.cuda.is_available():  # on a machine with a GPU, cuda is simply used
        return
    before = snapshot_files(a_tree)
    assert tui_main(["train", "--device", "cuda", "--holdout", "0,0,0,0,0", *TINY]) == 2
    assert "torch sees no CUDA device" in capsys.readouterr().err
    assert snapshot_files(a_tree) == before


def test_a_fifo_as_a_system_file_is_refused_at_once(a_tree, capsys):
    fifo = a_tree / "system.toml"
    os.mkfifo(fifo)
    assert tui_main(["systems", "check", str(fifo)]) == 2  # never blocks
    assert "not a regular file" in capsys.readouterr().err


@pytest.mark.parametrize("source, fragment", [
    ('inputs = ["A"]\nequations = ["y = ' + " AND ".join(["A"] * 5000) + '"]', "at most"),
    ('inputs = ["A"]\nequations = ["y = ' + "(" * 40 + "A" + ")" * 40 + '"]', "nests parentheses"),
    ("a = " + "[" * 5000 + "]" * 5000, "nested too deeply"),
    ('name = "x[/]y\\u001b[31m"\ninputs = ["A"]\nequations = ["y = A"]', "control character"),
])
def test_hostile_system_files_are_one_line(a_tree, capsys, source, fragment):
    path = a_tree / "hostile.toml"
    path.write_text(source)
    assert tui_main(["systems", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert fragment in err and len(err.strip().splitlines()) == 1 and "\x1b" not in err


def test_markup_in_a_system_name_is_printed_as_text(a_tree, capsys):
    path = a_tree / "brackets.toml"
    path.write_text('name = "x[/]y [bold]z"\ndescription = "[red]not red[/red]"\ninputs = ["A"]\n'
                    'equations = ["y = NOT A"]\n')
    assert tui_main(["systems", "check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "x[/]y [bold]z" in out


@pytest.mark.parametrize("table, fragment", [
    ('holdout_seed = "x"', "must be a whole number"),
    ("training = 5", "[training] must be a table"),
    ("grid = 5", "grid must be a table"),
    ("[training]\ntrain_size = true", "must be a whole number"),
    ("[training]\ntrain_size = 0", "must be at least 1"),
    ("seeds = 1000000000000", "must be at most"),
])
def test_wrong_types_in_an_experiment_file_are_one_line(a_tree, capsys, table, fragment):
    path = a_tree / "bad.toml"
    lines = ['holdout = "A=1&C=1"', table] if table.startswith("[") else ['holdout = "A=1&C=1"', table]
    path.write_text("\n".join(lines) + "\n")
    before = snapshot_files(a_tree)
    assert tui_main(["sweep", str(path)]) == 2
    err = capsys.readouterr().err
    assert fragment in err and len(err.strip().splitlines()) == 1, err
    assert snapshot_files(a_tree) == before


def test_export_never_replaces_a_file_without_force(a_tree, capsys):
    target = a_tree / "table.csv"
    target.write_text("mine")
    argv = ["export", "--model", "out/tiny-gpt2-causal/final", "--output", str(target)]
    assert tui_main(argv) == 2
    assert "add --force" in capsys.readouterr().err and target.read_text() == "mine"
    assert tui_main([*argv, "--force"]) == 0
    assert target.read_text().startswith("sweep,configuration,run_id")


# -- faults ---------------------------------------------------------------------------
def test_readers_racing_a_saving_training_leave_its_model_whole(workdir):
    """`runs list` and `probe` over and over while a training saves: the
    training ends, its model loads and its probe reads (readers never
    delete a writer's staging folder)."""
    train = subprocess.Popen([str(BIN / "causal-tui"), "train", "--holdout", "1,0,1,0,1", *TINY], cwd=workdir,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    readers = 0
    while train.poll() is None:
        for argv in (["runs", "list"], ["probe"]):
            subprocess.run([str(BIN / "causal-tui"), *argv], cwd=workdir, capture_output=True, timeout=120)
            readers += 1
    output = train.stdout.read()
    assert train.returncode == 0, output
    assert readers >= 2
    final = model_folder.final_dir(workdir / "out")
    assert model_folder.read_probe(final) is not None  # the probe belongs to the weights there
    from causal_tui.learners import loading

    loading.load(final)  # the model loads


def _write_partial_checkpoint(run_dir: Path, step: int) -> None:
    """What a kill -9 (or a full disk) in the middle of a checkpoint leaves: a
    folder with some of its files, one of them cut short."""
    folder = run_dir / f"checkpoint-{step}"
    folder.mkdir(parents=True)
    (folder / "model.safetensors").write_bytes(b"\x00" * 10)
    (folder / "trainer_state.json").write_text('{"global_step": ')


def test_a_checkpoint_cut_short_is_moved_aside_and_train_resume_completes(workdir):
    run_dir = model_folder.run_dir(workdir / "out")
    _write_partial_checkpoint(run_dir, 5)
    r = subprocess.run([str(BIN / "causal-tui"), "train", "--resume", *TINY], cwd=workdir, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "was not saved whole (cut short): moved aside" in r.stdout
    assert not (run_dir / "checkpoint-5").exists() and list(run_dir.glob(".incomplete-checkpoint-5-*"))
    assert (model_folder.final_dir(workdir / "out") / model_folder.MANIFEST).exists()


def test_a_sweep_rerun_after_a_checkpoint_cut_short_completes(workdir):
    argv = [str(BIN / "causal-tui"), "sweep", "--holdout", "A=1&C=1", "--seeds", "1", *TINY]
    _write_partial_checkpoint(workdir / "out" / "sweeps" / "A1_C1" / "seed-0" / "tiny-gpt2-causal", 7)
    r = subprocess.run(argv, cwd=workdir, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert json.loads((workdir / "out" / "sweeps" / "A1_C1" / "scorecard.json").read_text())["seeds"] == [0]


def test_killing_a_sweeps_parent_ends_its_workers(workdir):
    import psutil

    argv = [str(BIN / "causal-tui"), "sweep", "--holdout", "A=1&C=1", "--seeds", "2", "--jobs", "2",
            *TINY, "--train-size", "400000"]
    parent = subprocess.Popen(argv, cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    workers = []
    while len(workers) < 2 and time.monotonic() < deadline:
        workers = [c for c in psutil.Process(parent.pid).children(recursive=True)
                   if "causal_tui.sweeps.worker" in " ".join(c.cmdline())]
        time.sleep(0.2)
    assert len(workers) == 2, "two workers start"
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    gone, alive = psutil.wait_procs(workers, timeout=30)
    assert not alive, f"workers left alive: {[w.pid for w in alive]}"


def test_a_killed_training_reads_interrupted_in_the_history(workdir, capsys):
    train = subprocess.Popen([str(BIN / "causal-tui"), "train", *TINY, "--train-size", "400000"], cwd=workdir,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not list((workdir / "out" / "runs").glob("*/run.json")) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(0.5)
    assert tui_main(["runs", "list", "--format", "json", "--out-dir", str(workdir / "out")]) == 0
    assert json.loads(capsys.readouterr().out)[0]["status"] == "running"
    os.kill(train.pid, signal.SIGKILL)
    train.wait()
    assert tui_main(["runs", "list", "--format", "json", "--out-dir", str(workdir / "out")]) == 0
    assert json.loads(capsys.readouterr().out)[0]["status"] == "interrupted"


def test_the_api_raises_user_error_for_every_bad_argument(workdir):
    import causal_tui as ct

    calls = (lambda: ct.load_run(5), lambda: ct.load_sweep(None), lambda: ct.load_sweep("../x"),
             lambda: ct.load_system(5), lambda: ct.inspect(5), lambda: ct.train(holdout=[("a", "b")]),
             lambda: ct.train(seed=1.5), lambda: ct.sweep(holdout="A=1&C=1", grid=5),
             lambda: ct.sweep(holdout="A=1&C=1", experiment=workdir / "missing.toml"),
             lambda: ct.stats.seed_interval(correct="x", total=[1]))
    for call in calls:
        with pytest.raises(ct.UserError):
            call()
    assert not (workdir / "out").exists() and not (workdir / "dataset").exists()
