"""causal-tui's subcommands: help a person can use, old mode flags and flags
that do not apply refused in one line (no traceback, no file touched),
reading a model by run id without writing, experiment files."""

import json
import shutil

import pytest

from causal_tui.systems.catalog import SEED
from conftest import snapshot_files

from causal_tui.cli.main import tui_main
from causal_tui.data import dataset as data
from causal_tui.store import model_folder, runs
from causal_tui.systems.holdout import HeldOut

SUBCOMMANDS = ("train", "sweep", "inspect", "probe", "plot", "runs", "systems")
TINY = ["--n-embd", "32", "--n-layer", "1", "--n-head", "2", "--epochs", "1", "--batch-size", "32", "--lr", "3e-3",
        "--train-size", "640", "--valid-size", "32", "--test-size", "16", "--precision", "fp32"]


def _one_line_error(capsys) -> str:
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in captured.err + captured.out
    return err


def test_main_help_fits_one_screen_and_lists_the_subcommands_and_exit_codes(capsys):
    assert tui_main(["--help"]) == 0
    out = capsys.readouterr().out
    assert len(out.rstrip().splitlines()) <= 42, out
    for name in SUBCOMMANDS:
        assert f" {name} " in out, name
    assert "Exit codes: 0" in out and "130 interrupted" in out and "--train-only" in out


@pytest.mark.parametrize("argv", [["train"], ["sweep"], ["inspect"], ["probe"], ["plot"], ["runs", "list"],
                                  ["runs", "show"], ["runs", "delete"], ["systems", "check"]])
def test_each_subcommand_has_a_purpose_and_real_examples(argv, capsys):
    assert tui_main([*argv, "--help"]) == 0
    out = capsys.readouterr().out
    assert "Usage: causal-tui " + " ".join(argv) in out
    examples = [line.strip() for line in out.splitlines() if line.strip().startswith("causal-tui " + argv[0])]
    assert len(examples) >= 1 + (argv[0] not in ("runs", "systems")), out
    for example in examples:  # every example parses with the current command line
        words = [w.strip("'") for w in example.split()[1:]]
        assert tui_main([*words, "--help"]) == 0, example
        capsys.readouterr()


@pytest.mark.parametrize("old, new", [
    (["--sweep", "--seeds", "3"], "causal-tui sweep"), (["--inspect", "0,1,0,1,1"], "causal-tui inspect"),
    (["--runs", "list"], "causal-tui runs"), (["--probe"], "causal-tui probe"), (["--plot", "x.png"], "causal-tui plot"),
    (["--json"], "--format json"), (["--sweep-name", "A1_C1"], "--sweep NAME"),
    (["--sweep", "--train-only", "--inspect", "--json", "--format", "markdown", "--seed", "7"], "causal-tui sweep"),
])
def test_old_mode_flags_name_the_new_command(old, new, workdir, capsys):
    assert tui_main(old) == 2
    err = _one_line_error(capsys)
    assert f"{old[0]} is now: {new}" in err
    assert list(workdir.iterdir()) == []


@pytest.mark.parametrize("argv, fragment", [
    (["sweep", "--seed", "3", "--holdout", "1,0,1,0,1"], "--seed does not apply to `causal-tui sweep`: a sweep trains"),
    (["train", "--seeds", "3"], "--seeds does not apply to `causal-tui train`"),
    (["sweep", "--dataset-dir", "d", "--holdout", "1,0,1,0,1"], "each seed of a sweep draws its own dataset"),
    (["--model", "x", "--holdout", "1,0,1,0,1"], "--model shows a saved model and --holdout"),
    (["probe", "--model", "x", "--sweep", "y"], "--model reads one model and --sweep"),
    (["--out-dir", "elsewhere", "train"], "--out-dir before `train` is the dashboard's"),
    (["inspect", "--format", "csv"], "'csv' is not one of 'table', 'json'"),
    (["inspect", "--json"], "it is now --format json"),
    (["probe", "--sweep-name", "A"], "it is now --sweep NAME"),
    (["train", "--epochs", "abc"], "Invalid value for '--epochs'"),
    (["train", "--arch", "rnn"], "--arch must be one of gpt2, lstm, mlp"),
    (["train", "--holdout", "A=1&Z=0"], "'Z=0' is not like A=1"),
    (["sweep"], "a sweep needs held-out states"),
    (["sweep", "--holdout", "1,0,1,0,1", "--address", "ray://x:1"], "an address is for the ray backend"),
    (["probe", "--model", "nowhere"], "no model at nowhere/ and no run of that id"),
    (["systems", "show", "nothing"], "no such file, and no bundled system"),
    (["frobnicate"], "No such command 'frobnicate'"),
])
def test_flags_that_do_not_apply_or_contradict_exit_2_in_one_line_and_change_nothing(argv, fragment, workdir, capsys):
    data.write(data.generate(HeldOut.parse_list("1,0,1,0,1", SEED), seed=0, sizes={"train": 50, "valid": 10, "test": 10}),
               workdir / "dataset")
    before = snapshot_files(workdir)
    assert tui_main(argv) == 2
    assert fragment in _one_line_error(capsys)
    assert snapshot_files(workdir) == before


def test_train_takes_a_condition_as_its_holdout(workdir, capsys):
    assert tui_main(["train", *TINY, "--max-steps", "2", "--holdout", "A=1&C=1&E=1"]) == 0
    manifest = model_folder.read_manifest(model_folder.final_dir(workdir / "out"))
    assert manifest["dataset"]["omitted"] == ["1,0,1,0,1", "1,0,1,1,1", "1,1,1,0,1", "1,1,1,1,1"]


def test_a_run_with_probe_every_records_every_states_answers_and_plots_its_course(workdir, capsys):
    assert tui_main(["train", *TINY, "--max-steps", "3", "--probe-every", "2", "--holdout", "1,0,1,0,1"]) == 0
    run = runs.listing(workdir / "out")[0]["id"]
    probes = json.loads((workdir / "out" / "runs" / run / "losses.json").read_text())["probes"]
    assert [p["step"] for p in probes] == [2, 3]  # every 2 steps, and the last
    assert all(len(p["completions"]) == 32 for p in probes)
    final = json.loads((workdir / "out" / "runs" / run / "probe.json").read_text())
    assert probes[-1]["held_out"] == {"1,0,1,0,1": final["1,0,1,0,1"]}
    assert tui_main(["plot", str(workdir / "course.svg"), "--course", "--model", run]) == 0
    assert "degree" in (workdir / "course.svg").read_text()
    capsys.readouterr()
    # Flags that do not apply, and a course that is not one, are refused in one line before any file is written.
    for argv, said in ((["--course", "--recompute"], "--recompute probes a model again"),
                       (["--sweep", "any", "--recompute"], "--recompute probes a saved model again")):
        assert tui_main(["plot", str(workdir / "no.png"), *argv]) == 2
        err = capsys.readouterr().err
        assert said in err and len(err.strip().splitlines()) == 1
    losses = workdir / "out" / "runs" / run / "losses.json"
    for broken in ([1, 2], [{"step": 2, "held_out": {}, "profiles": {}}]):
        losses.write_text(json.dumps({"train": [], "probes": broken}))
        assert tui_main(["plot", str(workdir / "no.png"), "--course", "--model", run]) == 2
        assert "course entry 1 is not a --probe-every record" in capsys.readouterr().err
    assert not (workdir / "no.png").exists()


def test_reading_a_model_by_run_id_writes_nothing(workdir, capsys):
    assert tui_main(["train", *TINY, "--max-steps", "2", "--holdout", "1,1,1,1,1", "--seed", "1"]) == 0
    assert tui_main(["train", *TINY, "--max-steps", "2", "--holdout", "0,0,0,0,0", "--seed", "2"]) == 0
    old = runs.listing(workdir / "out")[-1]["id"]
    before = snapshot_files(workdir / "out")
    capsys.readouterr()
    assert tui_main(["probe", "--model", old, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["held_out"] == ["1,1,1,1,1"]
    assert tui_main(["probe", "--model", str(workdir / "out" / "runs" / old / "model"), "--format", "csv"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0] == "state,held_out,field,truth,answer,correct,probability" and len(rows) == 1 + 32 * 6
    assert tui_main(["plot", str(workdir / "old.png"), "--model", old]) == 0
    assert tui_main(["plot", str(workdir / "course.png"), "--course", "--model", old]) == 2
    assert "recorded no course: record one with --probe-every N" in capsys.readouterr().err
    assert not (workdir / "course.png").exists()
    assert tui_main(["inspect", "--model", old, "--format", "json"]) == 0
    (workdir / "old.png").unlink()
    assert snapshot_files(workdir / "out") == before  # final/ included: still the second run's
    capsys.readouterr()
    assert tui_main(["runs", "show", old, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == old
    assert tui_main(["runs", "list", "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("id,status,source")


def test_systems_list_show_and_check(workdir, capsys):
    assert tui_main(["systems", "list"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in ("seed", "chain", "parity8"))
    assert tui_main(["systems", "show", "seed"]) == 0
    out = capsys.readouterr().out
    assert "newD = A OR newB" in out and "0,1,1,1,0" in out and "'\\n1,0,0,0\\n3 - 1\\n'" in out
    (workdir / "ok.toml").write_text('inputs = ["P", "Q"]\nequations = ["x = P AND Q"]\n')
    assert tui_main(["systems", "check", "ok.toml"]) == 0
    assert "✓ ok.toml" in capsys.readouterr().out
    (workdir / "bad.toml").write_text('inputs = ["P"]\nequations = ["x = P XOR"]\n')
    assert tui_main(["systems", "check", "bad.toml"]) == 2
    assert "bad.toml: equation 1" in _one_line_error(capsys)


EXPERIMENT = """name = "tiny"
holdout = "A=1&C=1&E=1"
seeds = 3
jobs = 2
[training]
n_embd = 32
n_layer = 1
n_head = 2
epochs = 1
lr = 3e-3
batch_size = 32
precision = "fp32"
train_size = 640
valid_size = 32
test_size = 16
"""


def test_an_experiment_file_runs_and_its_resolved_copy_reruns_to_the_same_scorecard(workdir, capsys):
    (workdir / "tiny.toml").write_text(EXPERIMENT)
    assert tui_main(["sweep", "tiny.toml", "--seeds", "2"]) == 0
    out = capsys.readouterr().out
    assert "--seeds 2 overrides the file's seeds = 3" in out
    folder = workdir / "out" / "sweeps" / "tiny"
    card = json.loads((folder / "scorecard.json").read_text())
    assert card["seeds"] == [0, 1] and len(card["held_out"]) == 4
    resolved = (folder / "experiment.toml").read_text()
    assert "seeds = 2" in resolved and 'holdout = "A=1&C=1&E=1"' in resolved  # as the user wrote it
    # Run again from the copy elsewhere: nothing is trained again, the scorecard is the same.
    shutil.copy(folder / "experiment.toml", workdir / "again.toml")
    probes = {p: p.stat().st_mtime_ns for p in folder.rglob("probe.json")}
    assert tui_main(["sweep", "again.toml"]) == 0
    assert "trained" not in capsys.readouterr().out.split("Held-out states")[0]
    assert {p: p.stat().st_mtime_ns for p in folder.rglob("probe.json")} == probes
    again = json.loads((folder / "scorecard.json").read_text())
    assert again.pop("provenance")["command"] == "causal-tui sweep again.toml"  # who made it, when: this run
    card.pop("provenance")
    assert again == card


@pytest.mark.parametrize("name", ["A1_C1-lr.toml", "chain-learners.toml"])
def test_the_example_experiments_are_valid(name):
    from pathlib import Path

    from causal_tui.sweeps.request import SweepRequest, read_file

    path = Path(__file__).resolve().parents[1] / "examples" / name
    experiment = SweepRequest.from_values(read_file(path), str(path), path.parent)
    assert len(experiment.configurations()) >= 2 and experiment.seeds >= 5
