"""One snapshot per screen at 80x24, with a fixed model and dataset.

The model is the hand-built stub (tests/stub_model.py), not a trained one:
what a trained model answers, and with which probabilities, depends on the
CPU's kernels (AVX2 or AVX-512 round differently), and a snapshot must be
the same on every machine. The stub is right on every trained state and
answers newA = A OR C on the held-out one, as the sweeps' models do.

Update after an intended change with `uv run pytest tests/test_snapshots.py --snapshot-update`
and look at the SVGs in tests/__snapshots__/ before committing them."""

import json
from dataclasses import asdict
from pathlib import Path

import pytest

from causal_tui import data, model_store, probe, tokenizer
from causal_tui.app import CausalApp
from causal_tui.rules import SEED
from causal_tui.session import Session
from causal_tui.system_file import manifest_entry
from conftest import SMALL_CONFIG
from pilot_helpers import settled, wait_for
from causal_tui.training import TrainingConfig
from stub_model import StubModel

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
    data.write(data.generate(data.parse_omit(HELD_OUT), seed=0, sizes=SIZES),
               Path("dataset"))
    tok = tokenizer.build(SEED)
    report = probe.run(StubModel(tok, or_on_the_held_out_state), tok, SEED, [SEED.parse_state(HELD_OUT)])
    manifest = {
        "format": 1, "trained_at": "2026-01-01T12:00:00+00:00", "run_id": None, "system": manifest_entry(SEED),
        "dataset": {"folder": "dataset", "seed": 0, "sizes": SIZES,
                    "omitted": [HELD_OUT]},
        "config": asdict(config), "precision": "fp32",
        # made up (the stub was never trained); no snapshot shows them
        "metrics": {"steps": 375, "seconds": 9.5, "train_loss": 0.05, "eval_loss": 0.04,
                    "perfect_at_step": None, "perfect_after_s": None},
        "probe": report.summary(),
    }
    final = model_store.final_dir(Path("out"))
    final.mkdir(parents=True)
    (final / model_store.MANIFEST).write_text(json.dumps(manifest))
    monkeypatch.setattr(probe, "probe_saved", lambda folder: (report, manifest))
    session = Session(dataset_dir=Path("dataset"), out_dir=Path("out"), config=config)
    return CausalApp(session)


def after_probe(*keys):
    """Wait for the startup probe, press `keys`, wait until the screen shows
    their effect: snapshots capture a state, never a race."""

    async def run_before(pilot):
        await wait_for(pilot, lambda: pilot.app.session.report is not None, what="the startup probe")
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
