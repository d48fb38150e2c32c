"""One snapshot per screen at 80x24, with a fixed small model and dataset.

Update after an intended change with `uv run pytest tests/test_snapshots.py --snapshot-update`
and look at the SVGs in tests/__snapshots__/ before committing them."""

import json
import shutil
from pathlib import Path

import pytest

from causal_tui import data, model_store
from causal_tui.app import CausalApp
from causal_tui.session import Session
from conftest import SMALL_CONFIG
from pilot_helpers import settled, wait_for
from causal_tui.training import TrainingConfig


@pytest.fixture
def fixed_app(workdir, trained):
    """The session's small model (trained_at pinned) and a fixed dataset, by relative paths."""
    data.write(data.generate(data.parse_omit("1,0,1,0,1"), seed=0, sizes={"train": 2000, "valid": 200, "test": 50}),
               Path("dataset"))
    final = model_store.final_dir(Path("out"))
    shutil.copytree(trained.final, final)
    manifest_path = final / model_store.MANIFEST
    manifest = json.loads(manifest_path.read_text())
    manifest["trained_at"] = "2026-01-01T12:00:00+00:00"
    manifest_path.write_text(json.dumps(manifest))
    session = Session(dataset_dir=Path("dataset"), out_dir=Path("out"), config=TrainingConfig(**SMALL_CONFIG))
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
