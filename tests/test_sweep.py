"""Sweeps: several seeds in parallel processes, resumable, ending in a complete scorecard."""

import json

from causal_tui import rules, sweep
from causal_tui.cli import tui_main

FLAGS = ["--n-embd", "32", "--n-layer", "1", "--n-head", "2", "--epochs", "1", "--lr", "3e-3",
         "--batch-size", "32", "--train-size", "320", "--valid-size", "32", "--test-size", "16"]


def test_three_seed_sweep_writes_a_complete_scorecard_and_resumes(workdir, capsys):
    code = tui_main(["--sweep", "--seeds", "3", "--jobs", "2", "--holdout", "A=1&C=1&E=1", *FLAGS])
    out = capsys.readouterr().out
    assert code == 0, out
    folder = workdir / "out" / "sweeps" / "A1_C1_E1"
    card = json.loads((folder / "scorecard.json").read_text())
    assert card["held_out"] == ["1,0,1,0,1", "1,0,1,1,1", "1,1,1,0,1", "1,1,1,1,1"]
    assert sorted(card["seeds"]) == [0, 1, 2]
    assert len(card["cells"]) == 4 * len(rules.FIELDS)
    for cell in card["cells"]:
        assert cell["seeds"] == 3 and 0 <= cell["right"] <= 3 and len(cell["model_values"]) == 3
        lo, hi = cell["wilson95"]
        assert 0 <= lo <= cell["fraction"] <= hi <= 1
        assert set(cell["guessers"]) == {"majority", "nearest_neighbour", "interpolator"}
    assert set(card["fields"]) == set(rules.FIELDS)
    # 1,1,1,1,1 is the only state with sum1 = 5: an unseen label, scored apart.
    assert next(c for c in card["cells"] if c["state"] == "1,1,1,1,1" and c["field"] == "sum1")["unseen_label"]
    assert card["by_label"]["unseen_label"]["cells"] >= 1
    assert "unseen labels" in out and "Per field on held-out states" in out
    for k in range(3):
        assert (folder / f"seed-{k}" / "tiny-gpt2-causal" / "final" / "causal-tui.json").exists()

    # Resume: a fourth seed is trained, the first three are not.
    before = {k: (folder / f"seed-{k}" / "probe.json").stat().st_mtime_ns for k in range(3)}
    assert tui_main(["--sweep", "--seeds", "4", "--holdout", "A=1&C=1&E=1", *FLAGS]) == 0
    assert {k: (folder / f"seed-{k}" / "probe.json").stat().st_mtime_ns for k in range(3)} == before
    assert sorted(json.loads((folder / "scorecard.json").read_text())["seeds"]) == [0, 1, 2, 3]

    # The same name with another holdout is refused rather than mixed.
    capsys.readouterr()
    assert tui_main(["--sweep", "--seeds", "1", "--holdout", "A=1&C=1&E=0", "--name", "A1_C1_E1", *FLAGS]) == 2
    assert "another holdout" in capsys.readouterr().err


def test_sweep_needs_a_holdout(workdir, capsys):
    assert tui_main(["--sweep", "--seeds", "2"]) == 2
    assert "needs held-out states" in capsys.readouterr().err


def test_default_names():
    assert sweep.default_name("A=1&C=1") == "A1_C1"
    assert sweep.default_name("1,0,1,0,1") == "1_0_1_0_1"
