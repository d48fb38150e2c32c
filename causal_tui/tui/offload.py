"""Read-only model work (loading a model, probing it) away from the dashboard.

Importing torch and transformers holds Python's GIL for seconds at a time (C
extension initialisation), which freezes a dashboard that does it in a thread
and makes quitting wait until the import ends. The dashboard therefore hands
such work to a long-lived helper process: it imports once, keeps its models
warm, and can be killed at once on quit. Tests may use `InProcess` instead.

Functions sent must be importable at module level and return picklable data."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Callable


class InProcess:
    """Runs the work in the calling thread: no process, for tests and scripts."""

    def call(self, fn: Callable, *args):
        return fn(*args)

    def close(self) -> None:
        pass


class Closed(Exception):
    """The helper was closed while the work was under way (the app is quitting)."""


class HelperProcess:
    """One spawned process that runs the work, one call at a time."""

    def __init__(self) -> None:
        self._pool = None

    def start(self) -> None:
        """Create the pool (not yet its process) before a Textual app replaces
        sys.stderr: multiprocessing's resource tracker is started here and hands
        the real stderr's descriptor to its process (Textual's stand-in has none)."""
        self._executor()

    def _executor(self):
        if self._pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            # spawn: a fresh interpreter, no forked Textual or thread state.
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_init_helper)
        return self._pool

    def call(self, fn: Callable, *args):
        """Run `fn(*args)` in the helper and wait for its result (from a worker thread)."""
        from concurrent.futures.process import BrokenProcessPool

        future: Future = self._executor().submit(fn, *args)
        try:
            return future.result()
        except BrokenProcessPool:
            raise Closed("the helper process is gone") from None

    def close(self) -> None:
        """Kill the helper without waiting for what it is doing: nothing it does writes files."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        processes = list((getattr(pool, "_processes", None) or {}).values())
        for p in processes:
            p.kill()
        pool.shutdown(wait=False, cancel_futures=True)


def _init_helper() -> None:
    import signal

    from causal_tui.store import logs

    # Ctrl+C belongs to the dashboard; the helper is told to stop by being killed.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logs.setup(console=False)
