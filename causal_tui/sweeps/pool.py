"""A pool of long-lived worker processes for sweeps, that outlives a worker's death.

Each worker is `python -m causal_tui.sweeps.worker` (worker.py): a fresh
interpreter that imports causal_tui only, never the caller's script, so a
script that calls `ct.sweep` without an `if __name__ == "__main__":` guard
works. It imports torch and transformers once and then trains one task after
another. If a worker dies (killed, out of memory) the task it held is
reported failed, a fresh worker takes its place, and the other tasks go on.
Ctrl+C belongs to the parent, which tells the workers to stop at their next
step; when the parent ends, however it ends, its workers end too."""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from causal_tui.sweeps import frames

PATH_VARIABLE = "CAUSAL_TUI_WORKER_PATH"
"""The parent's sys.path (JSON), given to each worker (worker.py)."""


@dataclass
class Task:
    key: str
    """Names the task in reports: 'seed 3' or 'arch-lstm seed 3'."""
    fn: Callable
    """A module-level function of causal_tui (it is sent to another process by name)."""
    args: tuple = ()
    extra: dict = field(default_factory=dict)
    """Whatever the caller wants back with the result."""


# -- inside a worker ---------------------------------------------------------------
_STOP: threading.Event | None = None
_SEND_STEP: Callable | None = None
CURRENT: str | None = None
"""The key of the task a worker runs now."""


def in_worker(stop: threading.Event, send_step: Callable[[str, int, int], None]) -> None:
    """Called once by worker.py: how a task learns it must stop, and where its steps go."""
    global _STOP, _SEND_STEP
    _STOP, _SEND_STEP = stop, send_step


def report_step(step: int, total: int) -> None:
    """Called from a task in a worker: tell the parent how far it is."""
    if _SEND_STEP is not None and CURRENT is not None:
        _SEND_STEP(CURRENT, step, total)


def stop_requested() -> bool:
    return _STOP is not None and _STOP.is_set()


# -- in the parent -------------------------------------------------------------------
class _Worker:
    def __init__(self, threads: int, index: int):
        env = {**os.environ, PATH_VARIABLE: json.dumps([p for p in sys.path if p])}
        in_main = threading.current_thread() is threading.main_thread()
        # Started with SIGINT ignored, so a Ctrl+C while it imports cannot kill it mid-start.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if in_main else None
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "causal_tui.sweeps.worker", str(threads), str(index), str(os.getpid())],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, close_fds=True, bufsize=0)
        finally:
            if in_main:
                signal.signal(signal.SIGINT, previous)
        self.task: Task | None = None
        self.stream = self.process.stdout

    def send(self, message) -> bool:
        try:
            frames.write(self.process.stdin, message)
            return True
        except (OSError, ValueError):
            return False

    def alive(self) -> bool:
        return self.process.poll() is None


class LocalPool:
    """`jobs` worker processes, each with `threads` torch threads."""

    def __init__(self, jobs: int, threads: int):
        self.jobs, self.threads = jobs, threads
        self.workers: list[_Worker] = []
        self.started = 0
        self.selector = selectors.DefaultSelector()
        self.stopping = False

    def _start_worker(self) -> _Worker:
        worker = _Worker(self.threads, self.started)
        self.started += 1
        self.workers.append(worker)
        self.selector.register(worker.stream, selectors.EVENT_READ, worker)
        return worker

    def run(self, tasks: list[Task], should_stop: Callable[[], bool],
            finished: Callable[[Task, object], None], failed: Callable[[Task, str], None],
            on_step: Callable[[Task, int, int], None] | None = None) -> None:
        """Run every task (at most `jobs` at once) until all have finished or
        failed, or until `should_stop` turns true (running tasks then stop at
        their next step; none is started after)."""
        waiting = list(tasks)
        by_key = {t.key: t for t in tasks}
        try:
            while waiting or any(w.task for w in self.workers):
                if should_stop() and not self.stopping:
                    self.stopping = True
                    for w in self.workers:
                        w.send(("stop",))
                # Hand out work to idle workers (starting them as needed).
                while waiting and not self.stopping:
                    idle = next((w for w in self.workers if w.task is None and w.alive()), None)
                    if idle is None and len(self.workers) < self.jobs:
                        idle = self._start_worker()
                    if idle is None:
                        break
                    task = waiting.pop(0)
                    idle.task = task
                    if not idle.send(("task", task.key, task.fn, task.args)):
                        idle.task = None
                        waiting.insert(0, task)
                        break
                if self.stopping and not any(w.task for w in self.workers):
                    return
                self._drain(by_key, finished, failed, on_step)
                self._bury_the_dead(failed)
        finally:
            self.close()

    def _drain(self, by_key, finished, failed, on_step) -> None:
        for key, _ in self.selector.select(timeout=0.25):
            worker: _Worker = key.data
            try:
                kind, task_key, payload = frames.read(worker.stream)
            except (EOFError, OSError, ValueError):
                self.selector.unregister(worker.stream)
                worker.process.wait()
                continue
            except Exception as e:  # a result that cannot be unpickled here
                kind, task_key, payload = "error", worker.task.key if worker.task else None, f"{type(e).__name__}: {e}"
            task = by_key.get(task_key)
            if kind == "step":
                if on_step is not None and task is not None:
                    on_step(task, *payload)
            elif kind in ("done", "error"):
                worker.task = None
                if task is not None:
                    if kind == "done":
                        finished(task, payload)
                    else:
                        failed(task, payload.strip().splitlines()[-1] if payload.strip() else "failed")

    def _bury_the_dead(self, failed) -> None:
        for w in list(self.workers):
            if w.alive():
                continue
            self.workers.remove(w)
            try:
                self.selector.unregister(w.stream)
            except (KeyError, ValueError):
                pass
            if w.task is not None:
                code = w.process.returncode
                why = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
                failed(w.task, f"its worker process died ({why})")

    def close(self) -> None:
        """Tell every worker to stop and leave; kill any that does not within 30 s."""
        for w in self.workers:
            w.send(("stop",))
            w.send(("exit",))
            try:
                w.process.stdin.close()
            except OSError:
                pass
        deadline = time.monotonic() + 30
        for w in self.workers:
            try:
                w.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                w.process.kill()
                w.process.wait()
            w.stream.close()
        self.workers = []
        self.selector.close()
