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


async def wait_for_probe(pilot):
    app = pilot.app
    for _ in range(300):
        if app.session.report is not None and not app.session.probing:
            break
        await pilot.pause(0.1)
    assert app.session.report is not None
    await pilot.pause(0.5)


def test_probe_screen(snap_compare, fixed_app):
    assert snap_compare(fixed_app, press=["down", "right"], run_before=wait_for_probe, terminal_size=(80, 24))


def test_dataset_screen(snap_compare, fixed_app):
    assert snap_compare(fixed_app, press=["d", "right", "space"], run_before=wait_for_probe, terminal_size=(80, 24))


def test_train_screen(snap_compare, fixed_app):
    assert snap_compare(fixed_app, press=["t"], run_before=wait_for_probe, terminal_size=(80, 24))
