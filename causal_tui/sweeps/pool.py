"""A pool of long-lived worker processes for sweeps, that outlives a worker's death.

Each worker imports torch and transformers once and then trains one task
after another (no re-import per seed). If a worker dies (killed, out of
memory) the task it held is reported failed, a fresh worker takes its place,
and the other tasks go on. Ctrl+C belongs to the parent, which tells the
workers to stop at their next step through a shared event."""

from __future__ import annotations

import multiprocessing
import signal
import threading
import traceback
from dataclasses import dataclass, field
from queue import Empty
from typing import Callable


@dataclass
class Task:
    key: str
    """Names the task in reports: 'seed 3' or 'arch-lstm seed 3'."""
    fn: Callable
    """A module-level function (it is sent to another process)."""
    args: tuple = ()
    extra: dict = field(default_factory=dict)
    """Whatever the caller wants back with the result."""


# In a worker: how the parent asks it to stop, and where its step counts go.
STOP = None
STEPS = None
CURRENT: str | None = None


def report_step(step: int, total: int) -> None:
    """Called from a task in a worker: tell the parent how far it is."""
    if STEPS is not None and CURRENT is not None:
        STEPS.put(("step", CURRENT, (step, total)))


def stop_requested() -> bool:
    return STOP is not None and STOP.is_set()


def _worker(inbox, outbox, stop, threads: int, index: int = 0) -> None:
    global STOP, STEPS, CURRENT
    # Ctrl+C reaches every process of the terminal's group; only the parent decides.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    STOP, STEPS = stop, outbox
    import torch

    from causal_tui.store import logs

    torch.set_num_threads(threads)
    if torch.cuda.is_available() and torch.cuda.device_count() > 1:
        torch.cuda.set_device(index % torch.cuda.device_count())  # one GPU a worker, in turn
    logs.setup(console=False)
    while True:
        item = inbox.get()
        if item is None:
            return
        key, fn, args = item
        CURRENT = key
        try:
            outbox.put(("done", key, fn(*args)))
        except BaseException:  # reported to the parent, which decides what it means
            outbox.put(("error", key, traceback.format_exc()))
        CURRENT = None


class LocalPool:
    """`jobs` worker processes, each with `threads` torch threads."""

    def __init__(self, jobs: int, threads: int):
        self.jobs, self.threads = jobs, threads
        # spawn: a fresh interpreter per worker, no forked torch or logging state.
        self.ctx = multiprocessing.get_context("spawn")
        self.stop = self.ctx.Event()
        self.outbox = self.ctx.Queue()
        self.workers: list[dict] = []

    def _start_worker(self) -> dict:
        inbox = self.ctx.Queue()
        process = self.ctx.Process(target=_worker, args=(inbox, self.outbox, self.stop, self.threads,
                                                         len(self.workers)), daemon=True)
        in_main = threading.current_thread() is threading.main_thread()
        # Started with SIGINT ignored, so a Ctrl+C while it imports cannot kill it mid-start.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if in_main else None
        try:
            process.start()
        finally:
            if in_main:
                signal.signal(signal.SIGINT, previous)
        worker = {"process": process, "inbox": inbox, "task": None}
        self.workers.append(worker)
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
            while waiting or any(w["task"] for w in self.workers):
                if should_stop():
                    self.stop.set()
                # Hand out work to idle workers (starting them as needed).
                while waiting and not self.stop.is_set():
                    idle = next((w for w in self.workers if w["task"] is None and w["process"].is_alive()), None)
                    if idle is None and len(self.workers) < self.jobs:
                        idle = self._start_worker()
                    if idle is None:
                        break
                    task = waiting.pop(0)
                    idle["task"] = task
                    idle["inbox"].put((task.key, task.fn, task.args))
                if self.stop.is_set() and not any(w["task"] for w in self.workers):
                    return
                self._drain(by_key, finished, failed, on_step)
                self._bury_the_dead(failed)
        finally:
            self.close()

    def _drain(self, by_key, finished, failed, on_step) -> None:
        try:
            kind, key, payload = self.outbox.get(timeout=0.25)
        except Empty:
            return
        while True:
            task = by_key.get(key)
            if kind == "step":
                if on_step is not None and task is not None:
                    on_step(task, *payload)
            else:
                for w in self.workers:
                    if w["task"] is not None and w["task"].key == key:
                        w["task"] = None
                if task is not None:
                    if kind == "done":
                        finished(task, payload)
                    else:
                        failed(task, payload.strip().splitlines()[-1] if payload.strip() else "failed")
            try:
                kind, key, payload = self.outbox.get_nowait()
            except Empty:
                return

    def _bury_the_dead(self, failed) -> None:
        for w in list(self.workers):
            if w["process"].is_alive():
                continue
            self.workers.remove(w)
            if w["task"] is not None:
                code = w["process"].exitcode
                why = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
                failed(w["task"], f"its worker process died ({why})")

    def close(self) -> None:
        """Tell idle workers to leave; stop (and if need be kill) the rest."""
        self.stop.set()
        for w in self.workers:
            try:
                w["inbox"].put(None)
            except (OSError, ValueError):
                pass
        for w in self.workers:
            w["process"].join(timeout=30)
            if w["process"].is_alive():
                w["process"].kill()
                w["process"].join()
        self.workers = []
