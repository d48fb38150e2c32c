"""Broken model folders and unwritable output folders: one line, exit 2, nothing changed."""

import json
import shutil

import pytest
from conftest import snapshot_files

from causal_tui.cli.main import experiment_main, tui_main
from causal_tui.store import model_folder


def break_weights(final):
    (final / "model.safetensors").unlink()


def break_config(final):
    (final / "config.json").write_text("{not json")


def break_tokenizer(final):
    t = json.loads((final / "tokenizer.json").read_text())
    t["model"]["vocab"].pop("5")
    (final / "tokenizer.json").write_text(json.dumps(t))


def break_manifest(final):
    (final / model_folder.MANIFEST).write_text("{")


@pytest.mark.parametrize("break_it, fragment", [
    (break_weights, "no file named model.safetensors"),
    (break_config, "not a valid JSON file"),
    (break_tokenizer, "does not fit the model"),
    (break_manifest, "causal-tui.json is not valid JSON"),
])
def test_broken_model_folder(workdir, trained, capsys, break_it, fragment):
    final = model_folder.final_dir(workdir / "out")
    shutil.copytree(trained.final, final)
    break_it(final)
    before = snapshot_files(workdir / "out")
    assert experiment_main(["--test", "1,0,1,0,1"]) == 2
    err = capsys.readouterr().err
    assert fragment in err and err.startswith("error: ") and len(err.strip().splitlines()) == 1
    assert snapshot_files(workdir / "out") == before


def test_dataset_folder_that_cannot_be_written(workdir, capsys):
    (workdir / "blocker").write_text("a file where a folder should be")
    assert experiment_main(["--generate", "--dataset-dir", "blocker/dataset"]) == 2
    err = capsys.readouterr().err
    assert "cannot write to blocker/dataset/" in err and len(err.strip().splitlines()) == 1
    assert (workdir / "blocker").read_text() == "a file where a folder should be"


def test_out_folder_that_cannot_be_written(workdir, capsys):
    (workdir / "blocker").write_text("x")
    code = tui_main(["--train-only", "--out-dir", "blocker/out", "--train-size", "64", "--valid-size", "16",
                     "--test-size", "16", "--max-steps", "2", "--n-embd", "32", "--n-layer", "1", "--n-head", "2"])
    err = capsys.readouterr().err
    assert code == 2
    assert "cannot write to blocker/out/tiny-gpt2-causal/" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("args, fragment", [
    (["--n-head", "3"], "n_head (3) must divide n_embd (128)"),
    (["--lr", "2"], "--lr: must be at most 1, got 2"),
    (["--seed", "x"], "'x' is not a whole number"),
])
def test_hyperparameters_out_of_range(workdir, capsys, args, fragment):
    code = None
    try:
        code = experiment_main(["--train", *args])
    except SystemExit as e:
        code = e.code
    assert code == 2
    err = capsys.readouterr().err
    assert fragment in err and len(err.strip().splitlines()) == 1
    assert not (workdir / "dataset").exists() and not (workdir / "out").exists()
