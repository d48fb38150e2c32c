"""One writer at a time: dataset/, the model folder and a sweep's folder are
each written by one live process at most.

A lock is a `filelock.FileLock` (flock on Unix): the kernel releases it when
its process ends, however it ends, so a lock left by a dead process is
simply taken over. Beside it a small file names the process holding it, for
the message the next one gets. Readers (probe, --test, the Runs screen)
never take a lock."""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path
from typing import Iterator

from filelock import FileLock, Timeout

from causal_tui.errors import UserError
from causal_tui.store.model_folder import run_dir


class Busy(UserError):
    """Another live process is writing what this one was about to write."""


def _paths(target: Path) -> tuple[Path, Path]:
    target = Path(target)
    return target.parent / f".{target.name}.lock", target.parent / f".{target.name}.holder"


def _me() -> str:
    program = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python"
    if program == "__main__.py":  # python -m causal_tui (as `causal-tui serve` starts each tab)
        program = f"python -m {Path(sys.argv[0]).parent.name}"
    command = " ".join([program, *sys.argv[1:]])
    return f"{command} (pid {os.getpid()}, since {time.strftime('%H:%M:%S')})"


def holder(target: Path) -> str | None:
    """Who holds the lock on `target`, as its holder file says."""
    try:
        return _paths(target)[1].read_text().strip() or None
    except OSError:
        return None


@contextlib.contextmanager
def writing(target: Path, what: str | None = None) -> Iterator[None]:
    """Hold the lock on `target` (a folder this process is about to write) for
    the block; Busy (one line, naming the other process) if another holds it."""
    lock_path, holder_path = _paths(target)
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UserError(f"cannot write to {target}/: {e.strerror or e}") from None
    lock = FileLock(str(lock_path), timeout=0)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        other = holder(target) or "another process"
        raise Busy(f"{what or str(target) + '/'} is being written by {other}: wait until it ends") from None
    try:
        holder_path.write_text(_me() + "\n")
    except OSError:
        pass  # the lock holds without its label
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            holder_path.unlink()
        lock.release()


@contextlib.contextmanager
def all_of(*targets: tuple[Path, str]) -> Iterator[None]:
    """Hold several locks (taken in order, released in reverse)."""
    with contextlib.ExitStack() as stack:
        for target, what in targets:
            stack.enter_context(writing(target, what))
        yield


def for_training(dataset_dir: Path, out_dir: Path):
    """What a training writes: dataset/ (when it regenerates it, and nobody
    may regenerate it under the run) and the model folder (checkpoints, final/)."""
    return all_of((Path(dataset_dir), f"{dataset_dir}/"), (run_dir(out_dir), f"{run_dir(out_dir)}/"))
