"""One snapshot per screen at 80x24, with a fixed model and dataset.

The model is the hand-built stub (tests/stub_model.py), not a trained one:
what a trained model answers, and with which probabilities, depends on the
CPU's kernels (AVX2 or AVX-512 round differently), and a snapshot must be
the same on every machine. The stub is right on every trained state and
answers newA = A OR C on the held-out one, as the sweeps' models do.

Update after an intended change with `uv run pytest tests/test_snapshots.py --snapshot-update`
and look at the SVGs in tests/__snapshots__/ before committing them."""

import json
from pathlib import Path

import pytest
from conftest import SMALL_CONFIG
from pilot_helpers import settled, wait_for
from stub_model import StubModel

from causal_tui.data import dataset as data
from causal_tui.data import tokenizer
from causal_tui.evaluation import probe
from causal_tui.store import model_folder
from causal_tui.systems.catalog import SEED
from causal_tui.systems.holdout import HeldOut
from causal_tui.training.config import TrainingConfig
from causal_tui.training.trainer import build_manifest
from causal_tui.tui.app import CausalApp
from causal_tui.tui.session import Session

HELD_OUT = "1,0,1,0,1"
SIZES = {"train": 2000, "valid": 200, "test": 50}


def or_on_the_held_out_state(state, written):
    """The truth, except newA = A OR C on the held-out state (and a sum2 to match)."""
    values = {**SEED.truth(state), **written}
    if SEED.format_state(state) == HELD_OUT:
        values["newA"] = written.get("newA", state[0] | state[2])
        values["sum2"] = sum(values[f] for f in SEED.outputs)
    return values


@pytest.fixture
def fixed_app(workdir, monkeypatch):
    """The stub model's probe and a manifest written for it, a fixed dataset, by relative paths."""
    config = TrainingConfig(**SMALL_CONFIG)
    dataset = data.generate(HeldOut.parse_list(HELD_OUT, SEED), seed=0, sizes=SIZES)
    data.write(dataset, Path("dataset"))
    tok = tokenizer.build(SEED)
    report = probe.run(StubModel(tok, or_on_the_held_out_state), tok, SEED, HeldOut([SEED.parse_state(HELD_OUT)], SEED))
    # made up (the stub was never trained); no snapshot shows them
    metrics = {"steps": 375, "seconds": 9.5, "train_loss": 0.05, "eval_loss": 0.04,
               "perfect_at_step": None, "perfect_after_s": None}
    manifest = build_manifest(dataset, config, "fp32", metrics, report.summary(), trained_at="2026-01-01T12:00:00+00:00")
    final = model_folder.final_dir(Path("out"))
    final.mkdir(parents=True)
    (final / model_folder.MANIFEST).write_text(json.dumps(manifest))
    monkeypatch.setattr(probe, "probe_saved", lambda folder: (report, manifest))
    session = Session(dataset_dir=Path("dataset"), out_dir=Path("out"), config=config)
    return CausalApp(session)


def after_probe(*keys):
    """Wait for the startup probe, press `keys`, wait until the screen shows
    their effect: snapshots capture a state, never a race."""

    async def run_before(pilot):
        await wait_for(pilot, lambda: pilot.app.session.model.report is not None, what="the startup probe")
        await settled(pilot)
        await pilot.press(*keys)
        await settled(pilot)

    return run_before


def test_probe_screen(snap_compare, fixed_app):
    assert snap_compare(fixed_app, run_before=after_probe("down", "right"), terminal_size=(80, 24))


def test_dataset_screen(snap_compare, fixed_app):
    assert snap_compare(fixed_app, run_before=after_probe("d", "right", "space"), terminal_size=(80, 24))


def test_train_screen(snap_compare, fixed_app):
    assert snap_compare(fixed_app, run_before=after_probe("t"), terminal_size=(80, 24))
