"""Atomic replacement of files and whole folders.

A crash (even SIGKILL) at any moment leaves either the complete old version
or the complete new one. Folders are built in a staging sibling and swapped
in with renameat2(RENAME_EXCHANGE) where the filesystem supports it; where it
does not, two renames with a recoverable backup in between. Folders are
fsynced after every rename, so the new names survive a power cut too.

What this module promises, and what it refuses:
- `replace_dir` replaces only a folder: a target that is a file, a symlink or
  anything else is refused (UserError), never swapped away; a folder that
  holds none of the files the caller writes there (`marks`) and is not empty
  is refused too: it is not one the tool made.
- `keep_extra` carries every other file and sub-folder of the old folder
  into the new one (hard links where the filesystem allows: no second copy),
  so nothing of the user's is lost, whatever the crash.
- Only a writer, holding the folder's lock, calls `recover`: readers never
  change a file (a reader would otherwise delete a live writer's staging folder).
- The umask is read, never changed (changing it is process-wide, and other
  threads create files meanwhile)."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import shutil
import stat
import tempfile
from pathlib import Path
from typing import Iterable, Iterator

from causal_tui.errors import UserError

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_STAGING = ".staging-"
_BACKUP = ".backup-"


def write_bytes(path: Path, content: bytes) -> None:
    """Write a file atomically: temporary file in the same folder, fsync,
    rename, fsync the folder. A symlink or a non-file at `path` is refused."""
    path = Path(path)
    _refuse_non_file(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.chmod(tmp, 0o666 & ~umask())
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text(path: Path, text: str) -> None:
    """Write a text file (UTF-8, newlines as given) atomically."""
    write_bytes(path, text.encode("utf-8"))


def _refuse_non_file(path: Path) -> None:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISREG(info.st_mode):
        raise UserError(f"{path} is not a regular file (a folder, a link or a device): refusing to replace it")


def fsync_dir(folder: Path) -> None:
    """Make a folder's entries (a rename into it) durable."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems cannot fsync a folder
    finally:
        os.close(fd)


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
    """Finish or undo a folder swap that a crash interrupted, and clear
    leftovers. Only a writer holding the folder's lock may call this.

    Only the two-rename fallback can leave `target` missing with its backup
    beside it; the backup is then the complete old version."""
    target = Path(target)
    parent = target.parent
    if not parent.is_dir():
        return
    backups = sorted(parent.glob(f".{target.name}{_BACKUP}*"))
    if not target.exists() and backups:
        os.rename(backups[-1], target)
        fsync_dir(parent)
        backups = backups[:-1]
    for leftover in backups + list(parent.glob(f".{target.name}{_STAGING}*")):
        shutil.rmtree(leftover, ignore_errors=True)


def check_replaceable(target: Path, marks: Iterable[str] = ()) -> None:
    """UserError unless `target` is absent, or a real folder that is empty or
    holds one of `marks` (a file the tool writes there): never a file, a link,
    a device, or a folder of someone else's."""
    target = Path(target)
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(info.st_mode):
        raise UserError(f"{target} is a symbolic link: refusing to replace it (give the folder it points to)")
    if not stat.S_ISDIR(info.st_mode):
        raise UserError(f"{target} is not a folder: refusing to replace it")
    marks = list(marks)
    if marks and any(target.iterdir()) and not any((target / m).exists() for m in marks):
        raise UserError(f"{target}/ holds files causal-tui did not write there (none of {', '.join(marks)}): "
                        "refusing to replace it; give an empty or new folder")


@contextlib.contextmanager
def replace_dir(target: Path, keep_extra: bool = False, marks: Iterable[str] = ()) -> Iterator[Path]:
    """Yield an empty staging folder; on a clean exit it replaces `target`.

    The caller holds the target's lock. With keep_extra, every file and
    sub-folder of the old folder that the new one lacks is carried over (a
    placeholder, the user's own files), so nothing is lost. See
    check_replaceable for what is refused."""
    target = Path(target)
    check_replaceable(target, marks)
    target.parent.mkdir(parents=True, exist_ok=True)
    recover(target)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}{_STAGING}", dir=target.parent))
    # mkdtemp makes a private (0700) folder; give it the mode a plain mkdir would.
    os.chmod(staging, target.stat().st_mode & 0o7777 if target.is_dir() else 0o777 & ~umask())
    try:
        yield staging
        if keep_extra and target.is_dir():
            for item in target.iterdir():
                dest = staging / item.name
                if not dest.exists() and not dest.is_symlink():
                    _link_copy(item, dest)
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
        fsync_dir(target.parent)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _link_copy(source: Path, dest: Path) -> None:
    """`dest` a copy of `source` (a file, a link or a folder), by hard links where possible."""
    if source.is_symlink():
        os.symlink(os.readlink(source), dest)
    elif source.is_dir():
        dest.mkdir()
        shutil.copystat(source, dest)
        for child in source.iterdir():
            _link_copy(child, dest / child.name)
    elif source.is_file():
        try:
            os.link(source, dest)
        except OSError:
            shutil.copy2(source, dest)


def umask() -> int:
    """This process's umask, read without changing it (Linux: /proc; elsewhere the usual 022)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


def _fsync_tree(folder: Path) -> None:
    for p in folder.rglob("*"):
        if p.is_file() and not p.is_symlink():
            with open(p, "rb") as f:
                os.fsync(f.fileno())
        elif p.is_dir():
            fsync_dir(p)
    fsync_dir(folder)
