"""Ctrl+C during long work: the first asks it to stop at the next step (a
seed or a training keeps what it has), a second interrupts at once. For every
front end that runs in a terminal or a notebook."""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def stop_on_ctrl_c() -> Iterator[threading.Event]:
    """The first Ctrl+C asks training to stop at the next step; a second one
    interrupts at once."""
    flag = threading.Event()
    previous = signal.getsignal(signal.SIGINT)

    def handler(signum, frame):
        if flag.is_set():
            raise KeyboardInterrupt
        flag.set()

    signal.signal(signal.SIGINT, handler)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)
