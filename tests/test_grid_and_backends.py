"""Configuration grids with seed-level comparisons, a sweep that survives a
dead worker, and sweeps on a local Ray instance."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from causal_tui.cli.main import tui_main
from causal_tui.errors import UserError
from causal_tui.sweeps import grid
from causal_tui.training.config import TrainingConfig

BIN = Path(sys.executable).parent
FLAGS = ["--n-embd", "32", "--n-layer", "1", "--n-head", "2", "--epochs", "1", "--batch-size", "32",
         "--train-size", "320", "--valid-size", "32", "--test-size", "16"]


def test_grid_parsing():
    cells = grid.configurations(grid.parse_axes("arch=gpt2,lstm lr=5e-4,1e-3"), TrainingConfig())
    assert [c.id for c in cells] == ["arch-gpt2_lr-0.0005", "arch-gpt2_lr-0.001", "arch-lstm_lr-0.0005",
                                     "arch-lstm_lr-0.001"]
    assert [c.config.lr for c in cells] == [5e-4, 1e-3, 5e-4, 1e-3]
    lstm = cells[2].config
    assert (lstm.arch, lstm.n_embd, lstm.n_layer) == ("lstm", 156, 4)  # the learner's own default size
    kept = grid.configurations(grid.parse_axes("arch=mlp"), TrainingConfig(n_embd=32),
                               explicit=frozenset({"n_embd"}))[0].config
    assert (kept.arch, kept.n_embd, kept.n_layer) == ("mlp", 32, 4)
    for bad, fragment in (("arch=gpt2,rnn", "must be one of gpt2, lstm, mlp"), ("depth=1", "unknown key"),
                          ("lr=5e-4 lr=1e-3", "given twice"), ("n_layer=x", "not a int"),
                          ("lr", "not like key=value"), ("n_layer=1,1", "repeated value"), ("", "empty")):
        with pytest.raises(UserError, match=fragment):
            grid.configurations(grid.parse_axes(bad), TrainingConfig())


def test_a_2x2_grid_of_2_seeds_gives_a_complete_comparison(workdir, capsys):
    code = tui_main(["sweep", "--seeds", "2", "--jobs", "2", "--holdout", "A=1&C=1",
                     "--grid", "arch=gpt2,mlp lr=3e-3,1e-2", *FLAGS])
    out = capsys.readouterr().out
    assert code == 0, out
    folder = workdir / "out" / "sweeps" / "A1_C1_grid"
    top = json.loads((folder / "scorecard.json").read_text())
    ids = ["arch-gpt2_lr-0.003", "arch-gpt2_lr-0.01", "arch-mlp_lr-0.003", "arch-mlp_lr-0.01"]
    assert [c["id"] for c in top["configurations"]] == ids
    for c in top["configurations"]:
        assert c["scorecard"]["seeds"] == [0, 1]
        for k in range(2):
            assert (folder / c["id"] / f"seed-{k}" / "probe.json").exists()
        assert json.loads((folder / c["id"] / "scorecard.json").read_text())["fields"].keys() == \
            c["scorecard"]["fields"].keys()
    fields = list(top["comparison"]["fields"])
    assert len(fields) == 6 and all(len(top["comparison"]["fields"][f]) == 4 for f in fields)
    assert len(top["comparison"]["differences"]) == 6 * 6  # every pair of 4, every field
    for d in top["comparison"]["differences"]:
        lo, hi = d["interval95"]
        assert -1 <= lo <= d["difference"] <= hi <= 1
    mlp_manifest = json.loads((folder / ids[2] / "seed-0" / "tiny-gpt2-causal" / "final" / "causal-tui.json").read_text())
    assert mlp_manifest["config"]["arch"] == "mlp" and mlp_manifest["config"]["n_embd"] == 32
    assert "Held-out accuracy, 2 seeds each" in out and "Difference from configuration 1" in out
    # Resumable like any sweep: nothing is trained again.
    before = {p: p.stat().st_mtime_ns for p in folder.glob("*/seed-*/probe.json")}
    assert tui_main(["sweep", "--seeds", "2", "--jobs", "2", "--holdout", "A=1&C=1",
                     "--grid", "arch=gpt2,mlp lr=3e-3,1e-2", *FLAGS]) == 0
    assert {p: p.stat().st_mtime_ns for p in folder.glob("*/seed-*/probe.json")} == before


def sweep_processes(root_pid: int, marker: str) -> list[int]:
    """Descendants of `root_pid` whose command line holds `marker`."""
    found, frontier = [], [root_pid]
    while frontier:
        pid = frontier.pop()
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
            for child in children:
                frontier.append(child)
                try:
                    cmdline = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
                except OSError:
                    continue
                if marker in cmdline:
                    found.append(child)
    return found


SLOW = ["--n-embd", "32", "--n-layer", "1", "--n-head", "2", "--epochs", "1", "--batch-size", "32",
        "--train-size", "6400", "--valid-size", "32", "--test-size", "16"]


def test_a_killed_local_worker_fails_its_seed_only_and_a_rerun_finishes(workdir):
    argv = [str(BIN / "causal-tui"), "sweep", "--seeds", "3", "--jobs", "2", "--holdout", "A=1&C=1", *SLOW]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    workers = []
    while len(workers) < 2 and time.monotonic() < deadline:
        workers = [p for p in sweep_processes(proc.pid, "causal_tui.sweeps.worker") if "resource_tracker" not in
                   Path(f"/proc/{p}/cmdline").read_bytes().decode(errors="replace")]
        time.sleep(0.1)
    assert len(workers) == 2, "two worker processes start"
    time.sleep(1.0)  # each holds a seed now
    os.kill(workers[0], signal.SIGKILL)
    output, _ = proc.communicate(timeout=300)
    assert proc.returncode == 1, output
    assert "1 of 3 seeds failed" in output and "killed by signal 9" in output, output
    folder = workdir / "out" / "sweeps" / "A1_C1"
    done = sorted(p.parent.name for p in folder.glob("seed-*/probe.json"))
    assert len(done) == 2 and not (folder / "scorecard.json").exists()
    before = {p: p.stat().st_mtime_ns for p in folder.glob("seed-*/probe.json")}
    rerun = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert sorted(p.parent.name for p in folder.glob("seed-*/probe.json")) == ["seed-0", "seed-1", "seed-2"]
    assert {p: p.stat().st_mtime_ns for p in before} == before  # finished seeds were not touched
    assert json.loads((folder / "scorecard.json").read_text())["seeds"] == [0, 1, 2]


def comparable(card: dict) -> dict:
    return {"cells": [(c["state"], c["field"], c["model_values"]) for c in card["cells"]],
            "fields": {f: (s["accuracy"], s["per_seed"], s["interval95"]) for f, s in card["fields"].items()},
            "interventions": card.get("interventions"), "graph": card.get("graph")}


def test_a_sweep_on_a_local_ray_instance_gives_the_local_scorecard(workdir, capsys):
    import ray

    common = ["sweep", "--seeds", "2", "--jobs", "2", "--holdout", "A=1&C=1", *FLAGS]
    assert tui_main([*common, "--name", "local"]) == 0
    assert tui_main([*common, "--name", "on-ray", "--backend", "ray"]) == 0
    out = capsys.readouterr().out
    assert "on Ray" in out
    assert not ray.is_initialized()  # the instance it started is shut down
    local = json.loads((workdir / "out" / "sweeps" / "local" / "scorecard.json").read_text())
    on_ray = json.loads((workdir / "out" / "sweeps" / "on-ray" / "scorecard.json").read_text())
    assert comparable(on_ray) == comparable(local)
    for k in range(2):  # written exactly where a local sweep writes
        seed = workdir / "out" / "sweeps" / "on-ray" / f"seed-{k}"
        assert (seed / "probe.json").exists() and (seed / "tiny-gpt2-causal" / "final" / "model.safetensors").exists()


def listening(root_pid: int) -> set[tuple[str, str]]:
    """(address, process name) of every listening socket of a process and its descendants."""
    import psutil

    try:
        tree = [psutil.Process(root_pid), *psutil.Process(root_pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return set()
    pids = {p.pid: p for p in tree}
    found = set()
    for c in psutil.net_connections(kind="inet"):
        if c.status == psutil.CONN_LISTEN and c.pid in pids:
            try:
                found.add((c.laddr.ip, pids[c.pid].name()))
            except psutil.NoSuchProcess:
                continue
    return found


def _copies_of_the_working_dir() -> set:
    import tempfile

    return set(Path(tempfile.gettempdir()).glob("ray/session_*/runtime_resources/working_dir_files/*"))


def test_a_killed_ray_worker_is_retried_and_every_seed_finishes_all_on_loopback(workdir):
    import ipaddress
    import tempfile

    copies = _copies_of_the_working_dir()
    # Session folders left by runs killed before this one (a killed test run) are not this run's.
    sessions = set(Path(tempfile.gettempdir()).glob("ctui-ray-*"))
    argv = [str(BIN / "causal-tui"), "sweep", "--seeds", "2", "--jobs", "2", "--holdout", "A=1&C=1",
            "--backend", "ray", *SLOW]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 120
    running = []
    while not running and time.monotonic() < deadline and proc.poll() is None:
        running = sweep_processes(proc.pid, "ray::_train_remote")
        time.sleep(0.2)
    assert running, "a Ray task runs in a worker process"
    # Every process of the local instance (GCS, raylet, agents, workers, the driver) listens on loopback only.
    sockets = listening(proc.pid)
    names = {name for _, name in sockets}
    assert "gcs_server" in names and "raylet" in names, sockets
    assert all(ipaddress.ip_address(ip.removeprefix("::ffff:")).is_loopback for ip, _ in sockets), sockets
    os.kill(running[0], signal.SIGKILL)
    output, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, output
    folder = workdir / "out" / "sweeps" / "A1_C1"
    assert json.loads((folder / "scorecard.json").read_text())["seeds"] == [0, 1]
    # Nothing of the working directory (or its .venv) was copied, and the session folder is gone.
    assert _copies_of_the_working_dir() == copies
    assert set(Path(tempfile.gettempdir()).glob("ctui-ray-*")) == sessions


def test_ray_is_optional_for_the_app_and_local_sweeps(workdir):
    # With ray and tensorboard unimportable, training and a local sweep still run.
    code = ("import sys; sys.modules['ray'] = None; sys.modules['tensorboard'] = None\n"
            "from causal_tui.cli.main import tui_main\n"
            f"sys.exit(tui_main(['sweep', '--seeds', '1', '--holdout', '1,0,1,0,1', *{FLAGS!r}]) or "
            f"tui_main(['--train-only', '--max-steps', '2', *{FLAGS!r}]))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=workdir)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    r = subprocess.run([sys.executable, "-c", "import sys; sys.modules['ray'] = None\n"
                        "from causal_tui.cli.main import tui_main\n"
                        "sys.exit(tui_main(['sweep', '--seeds', '1', '--holdout', '0,0,0,0,1', '--backend', 'ray']))"],
                       capture_output=True, text=True, timeout=120, cwd=workdir)
    assert r.returncode == 2 and "uv sync --extra ray" in r.stderr
    assert not (workdir / "out" / "sweeps" / "0_0_0_0_1").exists()  # refused before writing anything


def test_ctrl_c_cancels_the_ray_tasks_and_exits_130(workdir):
    argv = [str(BIN / "causal-tui"), "sweep", "--seeds", "2", "--jobs", "2", "--holdout", "A=1&C=1",
            "--backend", "ray", *SLOW, "--train-size", "200000"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 120
    while not sweep_processes(proc.pid, "ray::_train_remote") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert sweep_processes(proc.pid, "ray::_train_remote")
    proc.send_signal(signal.SIGINT)
    output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130, output
    assert "stopped" in output
    assert not list((workdir / "out" / "sweeps" / "A1_C1").glob("seed-*/probe.json"))
