"""Atomic replacement of files and whole folders.

A crash (even SIGKILL) at any moment leaves either the complete old version
or the complete new one. Folders are built in a staging sibling and swapped
in with renameat2(RENAME_EXCHANGE) where the filesystem supports it; where it
does not, two renames with a recoverable backup in between.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_STAGING = ".staging-"
_BACKUP = ".backup-"


def write_bytes(path: Path, content: bytes) -> None:
    """Write a file atomically: temporary file in the same folder, fsync, rename."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.chmod(tmp, 0o666 & ~_umask())
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text(path: Path, text: str) -> None:
    """Write a text file (UTF-8, newlines as given) atomically."""
    write_bytes(path, text.encode("utf-8"))


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically; False where the kernel or filesystem cannot."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    fn = getattr(libc, "renameat2", None)
    if fn is None:
        return False
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return rc == 0


def recover(target: Path) -> None:
    """Finish or undo a folder swap that a crash interrupted, and clear leftovers.

    Only the two-rename fallback can leave `target` missing with its backup
    beside it; the backup is then the complete old version."""
    target = Path(target)
    parent = target.parent
    if not parent.is_dir():
        return
    backups = sorted(parent.glob(f".{target.name}{_BACKUP}*"))
    if not target.exists() and backups:
        os.rename(backups[-1], target)
        backups = backups[:-1]
    for leftover in backups + list(parent.glob(f".{target.name}{_STAGING}*")):
        shutil.rmtree(leftover, ignore_errors=True)


@contextlib.contextmanager
def replace_dir(target: Path, keep_extra: bool = False) -> Iterator[Path]:
    """Yield an empty staging folder; on a clean exit it replaces `target`.

    With keep_extra, files in the old folder that the new one lacks are
    carried over (a placeholder, a user's own files), so nothing is lost."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    recover(target)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}{_STAGING}", dir=target.parent))
    # mkdtemp makes a private (0700) folder; give it the mode a plain mkdir would.
    os.chmod(staging, target.stat().st_mode & 0o7777 if target.is_dir() else 0o777 & ~_umask())
    try:
        yield staging
        if keep_extra and target.is_dir():
            for item in target.iterdir():
                dest = staging / item.name
                if not dest.exists() and item.is_file():
                    shutil.copy2(item, dest)
        _fsync_tree(staging)
        if not target.exists():
            os.rename(staging, target)
        elif _exchange(staging, target):
            shutil.rmtree(staging, ignore_errors=True)
        else:
            backup = target.parent / f".{target.name}{_BACKUP}{os.getpid()}"
            os.rename(target, backup)
            os.rename(staging, target)
            shutil.rmtree(backup, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_tree(folder: Path) -> None:
    for p in folder.rglob("*"):
        if p.is_file():
            with open(p, "rb") as f:
                os.fsync(f.fileno())
