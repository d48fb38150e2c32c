"""Sweeps on Ray: each (configuration, seed) is a Ray task.

A task trains in a temporary folder on whichever machine Ray gives it and
returns the files of its result (the model folder and probe.json); the
driver writes them where a local sweep would, atomically, probe.json last.
So a remote cluster needs no shared disk, finished seeds are never trained
again, and a task whose worker dies is retried by Ray (`max_retries`).

Ray is optional: `uv sync --extra ray`. A Ray cluster has no authentication
of its own: whoever reaches its ports runs code on it. The local instance
started here listens on loopback only: every Ray process binds loopback where
the node's address is 127.0.0.1, and Ray would otherwise swap 127.0.0.1 for
the machine's network address (see `_loopback_only`). Nothing of the working
directory (nor a virtual environment in it) is shipped to the workers: they
import the installed causal_tui. The instance's session folder is a
temporary folder of its own, removed when the sweep ends."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable

from causal_tui.errors import UserError
from causal_tui.store import atomic, model_folder
from causal_tui.store.runs import LOSSES_FILE, PROBE_FILE

MAX_RETRIES = 2
"""How often Ray runs a task again after its worker died."""


def _train_remote(job, threads: int) -> dict:
    """Runs on a Ray worker: train one seed in a temporary folder; return its files."""
    import torch

    from causal_tui.store import logs
    from causal_tui.sweeps.job import train_seed

    torch.set_num_threads(threads)
    logs.setup(console=False, folder=Path(tempfile.gettempdir()) / "causal-tui-ray-logs")
    with tempfile.TemporaryDirectory(prefix="causal-tui-seed-") as tmp:
        probe = train_seed(job, tmp, should_stop=lambda: False, on_step=lambda step, total: None)
        final = model_folder.final_dir(Path(tmp))
        files = {str(p.relative_to(final)): p.read_bytes() for p in final.rglob("*") if p.is_file()}
        probe_text = (Path(tmp) / PROBE_FILE).read_text()
        losses_text = (Path(tmp) / LOSSES_FILE).read_text()
    return {"probe": probe, "files": files, "probe_text": probe_text, "losses_text": losses_text}


def _store(result: dict, seed_folder: Path) -> None:
    """Write a task's files where a local sweep would have: the model folder
    (replaced atomically), then probe.json, which marks the seed done."""
    seed_folder.mkdir(parents=True, exist_ok=True)
    with atomic.replace_dir(model_folder.final_dir(seed_folder), marks=model_folder.MARKS) as staging:
        for rel, content in result["files"].items():
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
    atomic.write_text(seed_folder / LOSSES_FILE, result["losses_text"])
    atomic.write_text(seed_folder / PROBE_FILE, result["probe_text"])


def require() -> None:
    """UserError saying how to install Ray, where it is not installed."""
    try:
        import ray  # noqa: F401
    except ImportError:
        raise UserError("--backend ray needs Ray: install it with `uv sync --extra ray`") from None


RUNTIME_ENV = {"env_vars": {"RAY_ENABLE_UV_RUN_RUNTIME_ENV": "0"}}
"""No working_dir, no py_modules: workers import the installed causal_tui (on a
cluster, install it on every node: docs/ray.md)."""


def start(address: str | None, cpus: int | None = None) -> tuple[bool, str | None]:
    """Connect to a cluster at `address`, or start a local instance on loopback.
    Returns whether this process started it (and so must shut it down), and
    the temporary folder of a local instance's session (removed after)."""
    require()
    import ray

    if ray.is_initialized():
        return False, None
    # Ray's uv integration would ship the working directory, .venv included, to every worker.
    os.environ["RAY_ENABLE_UV_RUN_RUNTIME_ENV"] = "0"
    session = None
    try:
        if address:
            ray.init(address=address, logging_level="ERROR", log_to_driver=False, runtime_env=RUNTIME_ENV)
        else:
            _loopback_only()
            # Short: Ray's unix sockets live under it (108 characters at most).
            session = tempfile.mkdtemp(prefix="ctui-ray-")
            ray.init(num_cpus=cpus, include_dashboard=False, logging_level="ERROR", log_to_driver=False,
                     _node_ip_address="127.0.0.1", _temp_dir=session, runtime_env=RUNTIME_ENV)
    except (ConnectionError, RuntimeError, ValueError) as e:
        if session:
            shutil.rmtree(session, ignore_errors=True)
        where = f"the Ray cluster at {address}" if address else "a local Ray instance"
        raise UserError(f"cannot start or reach {where}: {str(e).splitlines()[0] if str(e) else e}") from None
    return True, session


def _loopback_only() -> None:
    """Keep a local instance's node address 127.0.0.1. Ray binds every server
    (GCS, raylet, workers, the runtime-env agent) to loopback exactly when the
    node's address is 127.0.0.1, but ray.init turns 127.0.0.1 into the
    machine's network address first (services.resolve_ip_for_localhost);
    here it stays 127.0.0.1. tests/test_grid_and_backends.py reads the
    sockets of a local Ray sweep and checks they are all on loopback."""
    from ray._private import services

    if not hasattr(services, "resolve_ip_for_localhost") or not hasattr(services, "get_node_ip_address"):
        raise UserError("this version of Ray cannot be kept on loopback: use --backend local, or a cluster "
                        "(--address)")
    services.resolve_ip_for_localhost = lambda host: "127.0.0.1" if services.is_localhost(host) else host
    services.get_node_ip_address = lambda address=None: "127.0.0.1"


def run(tasks, address: str | None, threads: int, should_stop: Callable[[], bool],
        finished: Callable, failed: Callable) -> None:
    """Run the sweep's tasks on Ray; Ctrl+C (should_stop) cancels what is left."""
    import ray

    started, session = start(address, os.cpu_count())
    try:
        remote = ray.remote(num_cpus=threads, max_retries=MAX_RETRIES)(_train_remote)
        pending = {remote.remote(t.args[0], threads): t for t in tasks}
        while pending:
            if should_stop():
                for ref in pending:
                    ray.cancel(ref, force=True)
                return
            ready, _ = ray.wait(list(pending), num_returns=1, timeout=0.5)
            for ref in ready:
                task = pending.pop(ref)
                try:
                    result = ray.get(ref)
                except Exception as e:  # the task failed for good (after its retries)
                    failed(task, f"{type(e).__name__}: {str(e).strip().splitlines()[-1] if str(e).strip() else e}")
                    continue
                _store(result, Path(task.args[1]))
                finished(task, result["probe"])
    finally:
        if started:
            ray.shutdown()
        if session:
            shutil.rmtree(session, ignore_errors=True)
