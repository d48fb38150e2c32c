"""Generalisation on the unseen past eight inputs: a 12-input system with a
sampled training set through train, probe, sweep and scorecard; --probe-every;
the regression head; a 17-input system refused."""

from __future__ import annotations

import json

import pytest

import causal_tui as ct
from causal_tui.cli.main import tui_main
from causal_tui.errors import UserError
from causal_tui.science import course as course_module
from causal_tui.systems.catalog import SEED
from causal_tui.systems.holdout import HeldOut

SMALL = dict(n_embd=32, n_layer=1, n_head=2, batch_size=64, lr=3e-3, precision="fp32", train_size=3000,
             valid_size=64, test_size=16, progress=False)


def test_a_12_input_sampled_system_trains_probes_and_scores_with_its_course(workdir):
    sweep = ct.sweep("sparse-parity-2-of-12", holdout="x0=1&x1=1", seeds=2, jobs=2, max_steps=30,
                     probe_every=10, **SMALL)
    card = sweep.scorecard.raw
    assert len(card["held_out"]) == 1024 and card["seeds"] == [0, 1]
    y = card["fields"]["y"]
    assert y["mdi_degree"] == 1  # x0 XOR x1 with x0=x1=1 unseen: the MDI is x0 + x1 (0/1 terms)
    cell = card["cells"][0]
    assert cell["guessers"]["mdi"] == 2.0 and cell["guessers"]["mdi_answer"] == 1
    assert card["spectrum"]["y"]["mdi_profile"][:2] == [1.0, 0.5]
    course = card["course"]["y"]
    assert course["steps"] == [10, 20, 30] and course["cells"] == 2 * 1024
    for k in (0, 1):  # the seed recorded its probes at the steps asked
        losses = json.loads((sweep.folder / f"seed-{k}" / "losses.json").read_text())
        assert [r["step"] for r in losses["probes"]] == [10, 20, 30]
        # 4,096 states: past what a course keeps to replay, and it says so.
        assert "completions" not in losses["probes"][0]
        assert "1,024" in course_module.why_not(losses["probes"], ct.load_system("sparse-parity-2-of-12"))
    # The course as a figure (a sweep without one is refused in one line, no file written).
    assert tui_main(["plot", "course.png", "--course", "--sweep", sweep.name]) == 0
    assert (workdir / "course.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert tui_main(["plot", "both.png", "--course", "--spectrum", "--sweep", sweep.name]) == 2
    assert not (workdir / "both.png").exists()
    rows = sweep.to_pandas()
    held = rows[rows.held_out]
    assert set(held.mdi) == {1} and set(held.mdi_value) == {2.0}
    # Single Walsh coefficients agree with the spectrum's degree masses.
    table = sweep.coefficients([(), ("x0",), ("x1",), ("x1", "x0")]).to_pandas()
    assert list(table.inputs[:4]) == ["1", "x0", "x1", "x0*x1"] and len(table) == 2 * 4
    for k in (0, 1):
        empty = table[(table.seed == k) & (table.inputs == "1")].coefficient.item()
        assert abs(empty ** 2 - card["spectrum"]["y"]["profiles"][k][0]) < 1e-6
    with pytest.raises(UserError, match="'z' is not an input of sparse-parity-2-of-12"):
        sweep.coefficients([("z",)])
    # The anchor's summary script reads the same rows in the +-1 coding.
    found = _gotu_script().summarise(table.to_dict("records"))
    mean = found[""]["y"]["1"]
    assert mean["seeds"] == 2 and mean["interval95"][0] <= mean["mean"] <= mean["interval95"][1]
    assert abs(mean["mean"] - (1 - 2 * table[table.inputs == "1"].coefficient.mean())) < 1e-3


def _gotu_script():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parents[1] / "examples" / "gotu_coefficients.py"
    spec = importlib.util.spec_from_file_location("gotu_coefficients", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_regression_head_trains_and_is_scored_by_sign(workdir):
    run = ct.train("sparse-parity-2-of-6", holdout="x0=1&x1=1", head="regression", arch="mlp",
                   **{**SMALL, "n_embd": 64, "n_layer": 2, "epochs": 3, "train_size": 2000})
    assert run.record["config"]["head"] == "regression"
    assert run.report.exact(held_out=False) == (48, 48)
    spectrum = ct.inspect(run, spectrum=True)["spectrum"]["y"]
    # By value: close to the MDI in 0/1 coding, 1 - x0/2 - x1/2 (little mass on x0 x1).
    coefficients = {tuple(s): c for s, c in spectrum["coefficients"]}
    assert abs(coefficients[(0,)] + 0.5) < 0.1 and abs(coefficients[(1,)] + 0.5) < 0.1
    assert abs(coefficients.get((0, 1), 0.0)) < 0.1
    assert spectrum["agree_mdi"] == [16, 16]


def test_a_head_a_learner_lacks_is_refused(workdir):
    with pytest.raises(UserError, match="--head regression: the lstm learner has tokens only"):
        ct.train("seed", arch="lstm", head="regression")
    wide = workdir / "wide.toml"
    inputs = [f"x{i}" for i in range(10)]
    wide.write_text(f"inputs = {json.dumps(inputs)}\nequations = [\"y = x0 AND x1\"]\n"
                    f"sums = [\"s = {'+'.join(inputs)}\"]\n")
    with pytest.raises(UserError, match="in more than one character"):
        ct.train(str(wide), head="regression", arch="mlp", **{**SMALL, "max_steps": 1})


def test_seventeen_inputs_are_refused_in_one_line(workdir, capsys):
    assert tui_main(["train", "--system", "sparse-parity-2-of-17"]) == 2
    err = capsys.readouterr().err
    assert "17 inputs; a system has 1 to 16" in err and len(err.strip().splitlines()) == 1
    assert not (workdir / "dataset").exists()


def test_every_state_trains_on_each_trained_state_once(workdir):
    from causal_tui.data import dataset as data

    run = ct.train("sparse-parity-2-of-6", holdout="x0=1&x1=1", every_state=True,
                   **{k: v for k, v in SMALL.items() if k != "train_size"}, max_steps=2)
    ds = data.load(workdir / "dataset")
    assert sorted(ds.splits["train"]) == sorted(ds.omitted.trained()) and ds.every_state
    assert run.manifest["dataset"]["sizes"]["train"] == 48
    with pytest.raises(UserError, match="--every-state"):
        ct.train("seed", every_state=True, train_size=100)


def test_a_course_record_is_the_probe_it_was():
    held = HeldOut([(1, 0, 1, 0, 1)], SEED)
    completions = [SEED.completion(s) for s in SEED.all_states]
    wrong = SEED.all_states.index((0, 1, 1, 0, 1))
    assert completions[wrong].startswith("\n1,")
    completions[wrong] = completions[wrong].replace("\n1,", "\n0,", 1)  # newA of 0,1,1,0,1 (A XOR C = 1) said 0
    records = [{"step": 5, "completions": completions}, {"step": 10}]
    frames = course_module.frames(records, SEED, held)
    assert [f.step for f in frames] == [5]  # a record without every state's answers is left out
    report = frames[0].report
    assert report.exact(held_out=False) == (30, 31) and report.exact(held_out=True) == (1, 1)
    assert not report.result((0, 1, 1, 0, 1)).fields["newA"].correct
    assert course_module.why_not(records, SEED) is None
    assert "--probe-every" in course_module.why_not([], SEED)
    assert "older version" in course_module.why_not([{"step": 5}], SEED)
