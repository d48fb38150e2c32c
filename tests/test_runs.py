"""Run history, the Runs screen, TensorBoard, figures and tables, one writer at a time."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import snapshot_files

from causal_tui.cli.main import tui_main
from causal_tui.data import dataset as data
from causal_tui.store import model_folder, runs
from causal_tui.systems.catalog import SEED

BIN = Path(sys.executable).parent
TINY = ["--n-embd", "32", "--n-layer", "1", "--n-head", "2", "--epochs", "1", "--batch-size", "32", "--lr", "3e-3",
        "--train-size", "640", "--valid-size", "32", "--test-size", "16", "--precision", "fp32"]


@pytest.fixture
def two_runs(workdir):
    assert tui_main(["--train-only", *TINY, "--omit", "1,1,1,1,1", "--seed", "1"]) == 0
    assert tui_main(["--train-only", *TINY, "--omit", "0,0,0,0,0", "--seed", "2", "--report-to", "tensorboard"]) == 0
    listing = runs.listing(workdir / "out")
    assert len(listing) == 2
    return workdir, [r["id"] for r in reversed(listing)]  # oldest first


def test_two_trainings_leave_two_runs_with_manifests(two_runs):
    workdir, (old, new) = two_runs
    for run_id, held in ((old, ["1,1,1,1,1"]), (new, ["0,0,0,0,0"])):
        folder = workdir / "out" / "runs" / run_id
        record = json.loads((folder / "run.json").read_text())
        assert record["status"] == "finished" and record["held_out"] == held and record["source"] == "train"
        assert record["steps"] == 20 and record["trained_exact"][1] == 31 and record["arch"] == "gpt2"
        manifest = json.loads((folder / "model" / model_folder.MANIFEST).read_text())
        assert manifest["run_id"] == run_id and manifest["dataset"]["omitted"] == held
        assert len(json.loads((folder / "losses.json").read_text())["train"]) == 2  # logged every 10 of 20 steps
        assert set(json.loads((folder / "probe.json").read_text())) == {SEED.format_state(s) for s in SEED.all_states}
    assert runs.current_id(workdir / "out") == new


def test_making_an_older_run_current_changes_the_probe(two_runs, capsys):
    workdir, (old, new) = two_runs
    capsys.readouterr()
    assert tui_main(["probe", "--format", "json"]) == 0
    before = json.loads(capsys.readouterr().out)
    assert before["held_out"] == ["0,0,0,0,0"]
    assert tui_main(["runs", "use", old]) == 0
    capsys.readouterr()
    assert tui_main(["probe", "--format", "json"]) == 0
    after = json.loads(capsys.readouterr().out)
    assert after["held_out"] == ["1,1,1,1,1"] and after["predictions"] != before["predictions"]
    assert after["predictions"] == json.loads((workdir / "out" / "runs" / old / "probe.json").read_text())
    assert runs.current_id(workdir / "out") == old
    assert tui_main(["runs"]) == 0
    assert f"*{old}" in capsys.readouterr().out


def test_comparing_runs_counts_the_differing_cells_by_hand():
    truth = {SEED.format_state(s): SEED.truth(s) for s in SEED.all_states}
    a = {k: dict(v) for k, v in truth.items()}
    b = {k: dict(v) for k, v in truth.items()}
    a["0,0,0,0,0"]["sum1"] = 3          # only b right
    b["1,1,1,1,1"]["newA"] = 1          # only a right
    a["1,0,1,0,1"]["sum2"] = 0          # both wrong, differently
    b["1,0,1,0,1"]["sum2"] = 4
    a["0,1,0,1,0"]["newB"] = b["0,1,0,1,0"]["newB"] = 1 - truth["0,1,0,1,0"]["newB"]  # same wrong: not a difference
    c = runs.compare(SEED, a, b)
    assert c["cells"] == 3 and c["states"] == 3
    assert (c["only_first_right"], c["only_second_right"], c["both_wrong"]) == (1, 1, 1)
    assert c["differ"] == {"0,0,0,0,0": ["sum1"], "1,0,1,0,1": ["sum2"], "1,1,1,1,1": ["newA"]}


def test_tensorboard_event_files_hold_the_loss(two_runs):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    workdir, (old, new) = two_runs
    assert not (workdir / "out" / "runs" / old / "tensorboard").exists()  # only where asked for
    events = list((workdir / "out" / "runs" / new / "tensorboard").rglob("events.out.tfevents.*"))
    assert events
    acc = EventAccumulator(str(events[0].parent))
    acc.Reload()
    losses = acc.Scalars("train/loss")
    logged = json.loads((workdir / "out" / "runs" / new / "losses.json").read_text())["train"]
    assert [e.step for e in losses] == [s for s, _ in logged]
    assert [round(e.value, 4) for e in losses] == [round(v, 4) for _, v in logged]


def test_plot_writes_png_and_svg_that_show_the_grid(trained, tmp_path, capsys):
    import matplotlib.image

    from causal_tui.report.figures import about

    png, svg = tmp_path / "probe.png", tmp_path / "probe.svg"
    assert tui_main(["plot", str(png), "--out-dir", str(trained.out)]) == 0
    assert tui_main(["plot", str(svg), "--out-dir", str(trained.out)]) == 0
    pixels = matplotlib.image.imread(png)
    assert pixels.shape[0] > 300 and pixels.shape[1] > 300
    red, green, blue = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    right = (blue > 0.6) & (red < 0.15) & (green > 0.35) & (green < 0.55)  # Okabe-Ito blue, #0072B2
    orange = (red > 0.8) & (green > 0.5) & (green < 0.7) & (blue < 0.15)  # #E69F00
    assert right.sum() > 10_000 and orange.sum() == 0  # the model gets every state right
    text = svg.read_text()
    manifest = json.loads((trained.final / "causal-tui.json").read_text())
    for label in ("newA", "sum2", "0,0,0,0,0", "1,0,1,0,1  held out", "trained exact 31/31",
                  about(manifest), "gpt2, seed 0", "system seed", "held out 1,0,1,0,1", "blue right, orange"):
        assert label in text, label
    assert tui_main(["plot", str(tmp_path / "probe.gif"), "--out-dir", str(trained.out)]) == 2
    assert ".png, .svg or .pdf" in capsys.readouterr().err


def test_plot_and_probe_of_a_sweep(workdir, capsys):
    flags = [f for f in TINY if f not in ("--precision", "fp32")]
    assert tui_main(["sweep", "--seeds", "2", "--holdout", "A=1&C=1", *flags]) == 0
    capsys.readouterr()
    assert tui_main(["plot", "card.svg", "--sweep", "A1_C1"]) == 0
    card = Path("card.svg").read_text()
    for label in ("1,1,1,1,1", "fraction of seeds right", "sweep A1_C1: system seed", "seeds 0, 1", "per field",
                  "model (95% interval over seeds)", "majority (chance level)", "nearest neighbour", "\u2717"):
        assert label in card, label
    assert tui_main(["probe", "--format", "markdown", "--sweep", "A1_C1"]) == 0
    out = capsys.readouterr().out
    assert "| field | model | majority | nearest nbr | min-degree |" in out and "| newA |" in out
    assert "N?: N cells tied or undetermined" in out  # the caption travels with the table
    assert tui_main(["probe", "--format", "json", "--sweep", "A1_C1"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["held_out"][0] == "1,0,1,0,0" and "N?: N cells" in found["captions"]["Per field on held-out states"]
    assert tui_main(["probe", "--sweep", "nothing"]) == 2
    # every sweep seed is a run too
    assert sum(r["source"] == "sweep A1_C1" for r in runs.listing(workdir / "out")) == 2


def test_probe_formats_of_the_current_model(trained, capsys):
    assert tui_main(["probe", "--format", "markdown", "--out-dir", str(trained.out)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("| state | held out | newA") and "| `1,0,1,0,1` | yes |" in out
    assert tui_main(["probe", "--out-dir", str(trained.out)]) == 0
    assert "Probe: all 32 input states" in capsys.readouterr().out


def test_bad_run_input_is_one_line_exit_2_and_changes_nothing(two_runs, capsys):
    workdir, (old, new) = two_runs
    other = workdir / "other"
    other.mkdir()
    os.chdir(other)
    assert tui_main(["--train-only", "--system", "chain", *TINY, "--out-dir", str(workdir / "out")]) == 0
    chain_run = runs.listing(workdir / "out")[0]["id"]
    os.chdir(workdir)
    before = snapshot_files(workdir / "out")
    capsys.readouterr()
    for argv, fragment in ((["runs", "use", "nope"], "'nope' is not a run id"),
                           (["runs", "compare", old, "nope"], "'nope' is not a run id"),
                           (["runs", "delete", "../../x", "--yes"], "'../../x' is not a run id"),
                           (["runs", "show", "20991231-000000-1"], "no run '20991231-000000-1'"),
                           (["runs", "compare", old, chain_run], "only runs of one system compare"),
                           (["runs", "delete", old], "needs a yes"),
                           (["runs", "frobnicate"], "No such command 'frobnicate'"),
                           (["runs", "use"], "Missing argument 'RUN_ID'")):
        assert tui_main(argv) == 2, argv
        err = capsys.readouterr().err
        assert fragment in err and len(err.strip().splitlines()) == 1, err
    assert snapshot_files(workdir / "out") == before
    import shutil

    shutil.rmtree(workdir / "out" / "runs" / old / "model")  # a run folder damaged by hand
    assert tui_main(["runs", "use", old]) == 2
    assert "has no model" in capsys.readouterr().err
    assert tui_main(["runs", "delete", old, "--yes"]) == 0
    assert not (workdir / "out" / "runs" / old).exists()
    # While another writer holds the model folder, neither use nor delete touches it.
    from causal_tui.store import locks

    with locks.writing(model_folder.run_dir(workdir / "out")):
        before = snapshot_files(workdir / "out")
        with pytest.raises(locks.Busy):
            runs.use(workdir / "out", chain_run)
        capsys.readouterr()
        assert tui_main(["runs", "delete", new, "--yes"]) == 2
        assert "is being written by" in capsys.readouterr().err
        assert snapshot_files(workdir / "out") == before


def wait_for_log(folder: Path, text: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if folder.is_dir() and any(text in p.read_text() for p in folder.glob("*.log")):
            return
        time.sleep(0.2)
    raise AssertionError(f"{text!r} never appeared in the log")


def test_a_second_writer_is_refused_at_once_naming_the_first(workdir):
    first = subprocess.Popen([str(BIN / "causal-tui"), "--train-only", *TINY, "--train-size", "400000"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for_log(workdir / "logs", "training config")
        before = {"dataset": snapshot_files(workdir / "dataset")}
        started = time.monotonic()
        second = subprocess.run([str(BIN / "causal-tui"), "--train-only", *TINY, "--seed", "7"],
                                capture_output=True, text=True, timeout=120)
        assert second.returncode == 2, second.stdout + second.stderr
        assert time.monotonic() - started < 20  # at once: before loading torch
        err = second.stderr.strip()
        assert f"pid {first.pid}" in err and "causal-tui --train-only" in err and len(err.splitlines()) == 1, err
        assert snapshot_files(workdir / "dataset") == before["dataset"]
        generate = subprocess.run([str(BIN / "causal-experiment"), "--generate", "--seed", "9"],
                                  capture_output=True, text=True, timeout=60)
        assert generate.returncode == 2 and f"pid {first.pid}" in generate.stderr
        assert snapshot_files(workdir / "dataset") == before["dataset"]
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    # Its lock went with it: the second may start now.
    third = subprocess.run([str(BIN / "causal-tui"), "--train-only", *TINY, "--seed", "7"],
                           capture_output=True, text=True, timeout=300)
    assert third.returncode == 0, third.stdout + third.stderr
    assert data.load(workdir / "dataset").seed == 7


def test_a_figure_names_its_model_from_the_manifest():
    from causal_tui.report.figures import about

    manifest = {"run_id": "20261201-224131-1", "config": {"arch": "lstm", "seed": 3}, "precision": "bf16"}
    assert about(manifest) == "run 20261201-224131-1, lstm, seed 3, bf16"
    assert about(None) == "model"
