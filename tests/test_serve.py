"""`causal-tui serve`: the dashboard in a real headless browser."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from causal_tui.cli.main import tui_main
from causal_tui.data import dataset as data
from causal_tui.store import model_folder
from causal_tui.systems.catalog import SEED
from causal_tui.systems.holdout import HeldOut
sys.path.insert(0, str(Path(__file__).parent / "helpers"))
from browser import ARGS, CHROMIUM, EXE, Served, Tab, free_port  # noqa: E402

# A dataset big enough that a training started from the browser is still running
# when the second tab asks for the lock.
LONG = {"train": 40_000, "valid": 64, "test": 16}
# Set to a folder (docs/pictures) to keep the screenshots for the README.
PICTURES = os.environ.get("CAUSAL_TUI_PICTURES")


@pytest.fixture
def served_folder(workdir, trained):
    shutil.copytree(trained.final, model_folder.final_dir(workdir / "out"))
    data.write(data.generate(HeldOut.parse_list("1,0,1,0,1"), seed=0, sizes=LONG), workdir / "dataset")
    return workdir


def test_the_served_dashboard_works_in_a_browser_and_a_second_tab_cannot_train(served_folder, tmp_path):
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "chromium is not installed (.ci/run installs it with apt-get)"
    server = Served(served_folder, "--n-embd", "32", "--n-layer", "1", "--n-head", "2")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            first = Tab(browser, server.url)
            states = [SEED.format_state(s) for s in SEED.all_states]
            first.wait_for(lambda t: all(s in t for s in states) and "trained exact 31/31" in t,
                           what="the Probe screen's 32 states, probed")
            _picture(first, tmp_path / "served-probe.png")
            first.press("d")
            first.wait_for(lambda t: "g: write dataset/" in t, what="the Dataset screen")
            _picture(first, tmp_path / "served-dataset.png")

            first.press("t", "s")  # train from the first tab
            first.wait_for(lambda t: "step" in t and "training" in t.lower(), what="the training to run")
            second = Tab(browser, server.url)
            second.wait_for(lambda t: "exact" in t, what="the second tab's dashboard")
            second.press("t", "s")
            text = second.wait_for(lambda t: "is being written by" in t, what="the second tab's refusal")
            # The notice wraps in its box (each line behind a ▌): read it as one line.
            notice = " ".join(line.split("▌", 1)[1].strip() for line in text.splitlines() if "▌" in line)
            assert "dataset/ is being written by python -m causal_tui" in notice, notice
            assert "(pid " in notice, notice  # the holder, named
            browser.close()
    finally:
        code = server.stop()
        server.kill()
    assert code == 0


def _picture(tab, path: Path) -> None:
    tab.page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000  # a drawn page, not a blank one
    if PICTURES:
        Path(PICTURES).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(PICTURES) / path.name)


def test_serving_beyond_loopback_needs_allow_remote_and_bad_addresses_are_one_line(workdir, capsys):
    assert tui_main(["serve", "--host", "0.0.0.0"]) == 2
    err = capsys.readouterr().err
    assert "--host 0.0.0.0 is reachable from other machines" in err and "--allow-remote" in err
    assert "ssh -L 8000:localhost:8000" in err and len(err.strip().splitlines()) == 1
    assert tui_main(["serve", "--host", "nosuch.invalid"]) == 2
    assert "--host nosuch.invalid: no such address" in capsys.readouterr().err
    assert tui_main(["serve", "--allow-remote"]) == 2
    assert "127.0.0.1 is loopback" in capsys.readouterr().err
    assert tui_main(["serve", "--holdout", "1,0,1"]) == 2  # a dashboard flag is checked before serving
    assert "has 3 values" in capsys.readouterr().err


def test_a_port_in_use_is_one_line_and_exit_2(workdir):
    import socket

    port = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        r = subprocess.run([str(EXE), "serve", "--port", str(port)], cwd=workdir, capture_output=True, text=True,
                           timeout=60)
    assert r.returncode == 2
    assert r.stderr.strip() == f"error: cannot serve on 127.0.0.1:{port}: the port is in use"
