"""The dashboard as a real process in a pseudo-terminal, as a user starts it."""

import shutil
import sys
import time
from pathlib import Path

import pytest

from causal_tui.systems.catalog import SEED
from conftest import snapshot_files

from causal_tui.data import dataset as data
from causal_tui.store import model_folder

sys.path.insert(0, str(Path(__file__).parent / "helpers"))
from pty_app import PtyApp  # noqa: E402

from causal_tui.systems.holdout import HeldOut


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] in ("Z", "X")
    except OSError:
        return True


@pytest.fixture
def folder_with_model(workdir, trained):
    data.write(data.generate(HeldOut.parse_list("1,0,1,0,1", SEED), seed=0, sizes={"train": 200, "valid": 20, "test": 20}),
               workdir / "dataset")
    shutil.copytree(trained.final, model_folder.final_dir(workdir / "out"))
    return workdir


def test_ctrl_q_during_the_startup_probe_leaves_at_once(folder_with_model):
    before = snapshot_files(folder_with_model / "out")
    app = PtyApp(folder_with_model)
    try:
        assert app.read_until(b"Re-probe", timeout=60), "the dashboard did not paint"
        # The startup probe is now importing torch and transformers (seconds).
        time.sleep(0.5)
        helpers = children(app.pid)
        assert b"trained exact" not in app.seen  # still probing: the point of the test
        quit_at = time.monotonic()
        app.send(b"\x11")  # ctrl+q
        status = app.wait(timeout=10)
        elapsed = time.monotonic() - quit_at
    finally:
        app.close()
    assert status == 0
    assert elapsed < 1.0, f"took {elapsed:.2f} s to quit"
    time.sleep(0.2)
    assert all(gone(pid) for pid in helpers), "the helper process outlived the app"
    assert snapshot_files(folder_with_model / "out") == before
    assert b"\x1b[?1049l" in app.seen  # the terminal was given back (alternate screen left)


def test_the_probe_in_the_helper_process_fills_the_screen(folder_with_model):
    app = PtyApp(folder_with_model)
    try:
        assert app.read_until(b"trained exact", timeout=120), "the probe result never showed"
        app.send(b"\x11")
        assert app.wait(timeout=10) == 0
    finally:
        app.close()
