"""Sweeps: several seeds in parallel processes, resumable, ending in a complete scorecard."""

import json
import threading

import pytest

from causal_tui.cli.main import tui_main
from causal_tui.store.runs import PROBE_FILE
from causal_tui.sweeps import layout
from causal_tui.sweeps import runner as sweep
from causal_tui.sweeps.grid import SIZE_FIELDS
from causal_tui.sweeps.request import SweepRequest
from causal_tui.systems.catalog import SEED
from causal_tui.systems.holdout import HeldOut
from causal_tui.training.config import TrainingConfig

FLAGS = ["--n-embd", "32", "--n-layer", "1", "--n-head", "2", "--epochs", "1", "--lr", "3e-3",
         "--batch-size", "32", "--train-size", "320", "--valid-size", "32", "--test-size", "16"]


def test_three_seed_sweep_writes_a_complete_scorecard_and_resumes(workdir, capsys):
    code = tui_main(["sweep", "--seeds", "3", "--jobs", "2", "--holdout", "A=1&C=1&E=1", *FLAGS])
    out = capsys.readouterr().out
    assert code == 0, out
    folder = workdir / "out" / "sweeps" / "A1_C1_E1"
    card = json.loads((folder / "scorecard.json").read_text())
    assert card["held_out"] == ["1,0,1,0,1", "1,0,1,1,1", "1,1,1,0,1", "1,1,1,1,1"]
    assert sorted(card["seeds"]) == [0, 1, 2]
    assert len(card["cells"]) == 4 * len(SEED.fields)
    for cell in card["cells"]:
        assert cell["seeds"] == 3 and 0 <= cell["right"] <= 3 and len(cell["model_values"]) == 3
        lo, hi = cell["interval95"]
        assert 0 <= lo <= cell["fraction"] <= hi <= 1
        assert {"majority", "nearest_neighbour", "interpolator", "mdi", "mdi_answer"} <= set(cell["guessers"]) <= {
                "majority", "nearest_neighbour", "interpolator", "mdi", "mdi_answer", "mdi_rule"}
    assert set(card["fields"]) == set(SEED.fields)
    # 1,1,1,1,1 is the only state with sum1 = 5: an unseen label, scored apart.
    assert next(c for c in card["cells"] if c["state"] == "1,1,1,1,1" and c["field"] == "sum1")["unseen_label"]
    assert card["by_label"]["unseen_label"]["cells"] >= 1
    assert "unseen labels" in out and "Per field on held-out states" in out and "Composed fields" in out
    # Own-answer consistency counts the (seed, state) pairs where every answer it needs was readable.
    probes = [json.loads((folder / f"seed-{k}" / "probe.json").read_text())["predictions"] for k in range(3)]
    readable = sum(all(p[s][f] in (0, 1) for f in ("newA", "newB", "newC", "newD")) and p[s]["sum2"] is not None
                   for p in probes for s in card["held_out"])
    own = card["fields"]["sum2"]["own_answers"]
    assert own["readable"] == readable and own["total"] == own["informative"] == 12
    assert card["fields"]["newD"]["own_answers"]["informative"] == 0  # A = 1 decides newD on every held-out state
    for f, stats in card["fields"].items():  # the seed is the unit of every field's interval
        assert len(stats["per_seed"]) == 3 and stats["interval_method"] == "seed-exact"
        lo, hi = stats["interval95"]
        assert 0 <= lo <= stats["accuracy"] <= hi <= 1
        assert stats["accuracy"] == pytest.approx(sum(stats["per_seed"]) / 3)
    for k in range(3):
        assert (folder / f"seed-{k}" / "tiny-gpt2-causal" / "final" / "causal-tui.json").exists()
        # A seed is recorded in out/runs/ after it trained: the record tells the training's own times.
        from causal_tui.store import runs

        record = runs.read(workdir / "out", (folder / f"seed-{k}" / "run_id").read_text().strip())
        times = (record["started_at"], record["finished_at"])
        assert times == (record["provenance"]["started_at"], record["provenance"]["finished_at"])
        assert times[0] <= times[1] and record["steps"] == json.loads((folder / f"seed-{k}" / "probe.json")
                                                                      .read_text())["steps"]
    # Where each seed holds newB: its best interchange site, over seeds with the seed-level interval.
    iia = card["iia"]["newB"]
    assert len(iia["sites"]) == 3 and {"layer", "position"} <= set(iia["sites"][0])
    for part, pairs in (("held_out", 4 * 16), ("trained", 28 * 16 // 2)):  # trained: the evaluation half
        s = iia[part]
        assert s["total"] == 3 * pairs and s["seeds_counted"] == 3
        lo, hi = s["interval95"]
        assert 0 <= lo <= s["seed_mean"] <= hi <= 1
    # Relative and strict, per reader field, on the evaluation half and held-out bases (this
    # one-epoch model's answers may not parse: the relative score counts only the pairs they do).
    assert iia["whole"]["strict"]["held_out"]["total"] == 3 * 4 * 16 and iia["seeds"] == 3
    assert iia["whole"]["relative"]["held_out"]["total"] <= 3 * 4 * 16
    assert set(iia["per_field"]) == {"newD", "sum2"} and 0 <= iia["specific_seeds"] <= 3
    assert "Interchange over seeds" in out

    # Resume: a fourth seed is trained, the first three are not.
    before = {k: (folder / f"seed-{k}" / "probe.json").stat().st_mtime_ns for k in range(3)}
    assert tui_main(["sweep", "--seeds", "4", "--holdout", "A=1&C=1&E=1", *FLAGS]) == 0
    assert {k: (folder / f"seed-{k}" / "probe.json").stat().st_mtime_ns for k in range(3)} == before
    assert sorted(json.loads((folder / "scorecard.json").read_text())["seeds"]) == [0, 1, 2, 3]
    out = capsys.readouterr().out
    assert "holds 3 seeds: adding seeds 3 to 3" in out and "scorecard.json rewritten: 4 seeds (it had 3)" in out

    # Fewer seeds on the same name: nothing is trained and the scorecard keeps all four, saying so.
    assert tui_main(["sweep", "--seeds", "2", "--holdout", "A=1&C=1&E=1", *FLAGS]) == 0
    out = capsys.readouterr().out
    assert "already holds 4 seeds; --seeds 2 asks for fewer: the scorecard keeps all 4" in out
    assert sorted(json.loads((folder / "scorecard.json").read_text())["seeds"]) == [0, 1, 2, 3]
    assert "precision fp32" in out  # said at the start, for every seed

    # The same name with another holdout is refused rather than mixed.
    capsys.readouterr()
    assert tui_main(["sweep", "--seeds", "1", "--holdout", "A=1&C=1&E=0", "--name", "A1_C1_E1", *FLAGS]) == 2
    assert "another system, holdout or configuration" in capsys.readouterr().err


def test_sweep_needs_a_holdout(workdir, capsys):
    assert tui_main(["sweep", "--seeds", "2"]) == 2
    assert "needs held-out states" in capsys.readouterr().err


def test_default_names():
    assert layout.default_name(HeldOut.parse("A=1&C=1", SEED)) == "A1_C1"
    assert layout.default_name(HeldOut.parse("1,0,1,0,1", SEED)) == "1_0_1_0_1"


TINY = TrainingConfig(epochs=1, lr=3e-3, batch_size=32, n_embd=32, n_layer=1, n_head=2, logging_steps=5)
LONG_SIZES = {"train": 8_000, "valid": 32, "test": 16}  # 250 steps: long enough to be stopped midway


def run_sweep(name, held_out, seeds, jobs, out_dir, **follow):
    """A sweep of TINY on LONG_SIZES, through the engine's one entry point."""
    request = SweepRequest(name=name, system=held_out.system, holdout=held_out, config=TINY,
                           explicit=frozenset(SIZE_FIELDS), sizes=LONG_SIZES, seeds=seeds, jobs=jobs)
    return sweep.run_sweep(request, out_dir, **follow)


@pytest.mark.parametrize("jobs", [2])
def test_a_stopped_sweep_keeps_nothing_half_done_and_resumes(workdir, jobs):
    held_out = HeldOut.parse("A=1&C=1&E=1", SEED)
    steps: list[tuple[int, int, int]] = []
    stop = threading.Event()

    def on_step(seed, step, total):
        steps.append((seed, step, total))
        if step >= 10:
            stop.set()

    with pytest.raises(sweep.Interrupted) as stopped:
        run_sweep("s", held_out, 3, jobs, workdir / "out", should_stop=stop.is_set, on_step=on_step)
    assert stopped.value.done == 0 and stopped.value.total == 3
    assert steps and all(total == 250 for _, _, total in steps)
    folder = layout.sweep_dir(workdir / "out", "s")
    assert not list(folder.glob("seed-*/probe.json")) and not (folder / layout.SCORECARD_FILE).exists()
    assert not (folder / "seed-2").exists()  # nothing new starts once stopping
    assert all(not (d / "tiny-gpt2-causal" / "final").exists() for d in folder.glob("seed-*"))

    checkpoints = sorted(int(p.name.split("-")[1]) for p in folder.glob("seed-0/tiny-gpt2-causal/checkpoint-*"))
    assert checkpoints, "a stopped seed leaves a checkpoint"
    stopped_at = checkpoints[-1]

    # Run again (one seed, to keep it short): the stopped seed goes on from its checkpoint and is scored.
    steps.clear()
    card = run_sweep("s", held_out, 1, jobs, workdir / "out",
                     on_step=lambda seed, step, total: steps.append((seed, step, total)))
    assert card["seeds"] == [0] and (folder / "seed-0" / PROBE_FILE).exists()
    assert steps and min(step for _, step, _ in steps) > stopped_at  # continued, not restarted
    assert json.loads((folder / "seed-0" / PROBE_FILE).read_text())["steps"] == 250
