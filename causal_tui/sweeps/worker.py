"""A sweep's worker process: `python -m causal_tui.sweeps.worker THREADS INDEX`.

It imports causal_tui (never the script or notebook that started the sweep:
a script without an `if __name__ == "__main__":` guard would otherwise run
again in every worker), then trains one task after another as the parent
sends them over its stdin, and answers over its stdout (pickled frames, see
frames.py). It ends when its parent ends, however the parent ends: the kernel
kills it when the parent dies (PR_SET_PDEATHSIG on Linux), and an end of its
stdin makes it leave at once; so no worker writes a seed's folder after the
sweep that holds its lock is gone."""

from __future__ import annotations

import os
import signal
import sys
import threading
import traceback


def _die_with_parent() -> None:
    """Ask the kernel to kill this process when its parent dies (Linux)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # elsewhere, the end of stdin still ends it


def main(argv: list[str]) -> int:
    threads, index, parent = int(argv[0]), int(argv[1]), int(argv[2])
    _die_with_parent()
    # Where the parent finds modules (a learner registered by the caller's own module, say),
    # after this process's own entries; the caller's __main__ itself is never run here.
    import json

    from causal_tui.sweeps import frames, pool

    for entry in json.loads(os.environ.get(pool.PATH_VARIABLE, "[]")):
        if entry and entry not in sys.path:
            sys.path.append(entry)
    if os.getppid() != parent:  # the parent died before the line above ran
        return 1
    # Ctrl+C reaches every process of the terminal's group; only the parent decides.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The frames go to the real stdout; anything a library prints goes to stderr.
    channel = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    inbox = os.fdopen(0, "rb", buffering=0)

    send_lock = threading.Lock()

    def send(message) -> None:
        with send_lock:
            frames.write(channel, message)

    stop = threading.Event()
    tasks: list = []
    arrived = threading.Condition()

    def listen() -> None:
        """Read the parent's messages; the end of stdin means the parent is gone."""
        while True:
            try:
                message = frames.read(inbox)
            except (EOFError, OSError):
                os._exit(1)  # the parent is gone: nothing more may be written
            if message[0] == "stop":
                stop.set()
            else:
                with arrived:
                    tasks.append(message)
                    arrived.notify()

    threading.Thread(target=listen, daemon=True).start()
    pool.in_worker(stop, lambda key, step, total: send(("step", key, (step, total))))

    import torch

    from causal_tui.store import logs

    torch.set_num_threads(threads)
    if torch.cuda.is_available() and torch.cuda.device_count() > 1:
        torch.cuda.set_device(index % torch.cuda.device_count())  # one GPU a worker, in turn
    logs.setup(console=False)
    send(("ready", None, os.getpid()))
    while True:
        with arrived:
            while not tasks:
                arrived.wait()
            message = tasks.pop(0)
        if message[0] == "exit":
            return 0
        _, key, fn, args = message
        pool.CURRENT = key
        try:
            send(("done", key, fn(*args)))
        except BaseException:  # reported to the parent, which decides what it means
            send(("error", key, traceback.format_exc()))
        pool.CURRENT = None


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
