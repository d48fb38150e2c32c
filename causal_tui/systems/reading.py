"""Reading a file a user names (a system file, an experiment file, a record):
a regular file only (a FIFO, a device or a folder is refused, never blocked
on), at most so many bytes, UTF-8; one line when it cannot be read."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from causal_tui.errors import UserError

MAX_BYTES = 256 * 2**20


def read_text(path: Path, limit: int = MAX_BYTES, what: str = "file") -> str:
    """A regular file's text (UTF-8), refused in one line where it is not a
    regular file (a FIFO, a device, a folder), larger than `limit`, or unreadable."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise UserError(f"no {what} at {path}") from None
    except OSError as e:
        raise UserError(f"cannot read {path}: {e.strerror or e}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UserError(f"{path} is not a regular file: it cannot be a {what}")
        if info.st_size > limit:
            raise UserError(f"{path} is {info.st_size:,} bytes: a {what} is at most {limit:,}")
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(limit + 1)
    except OSError as e:
        raise UserError(f"cannot read {path}: {e.strerror or e}") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise UserError(f"{path} is larger than {limit:,} bytes: a {what} is at most that")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise UserError(f"{path} is not UTF-8 text ({e.reason} at byte {e.start})") from None
