"""Where a result came from, for every record the tool writes (run.json, the
model's manifest, scorecard.json): the tool's version and, from a git
checkout, its commit and whether the tree was dirty; Python, torch,
transformers and accelerate; the device (CPU model, threads, bf16 units, or
the GPU and its CUDA); the precision used; the command line or API call;
start and end times.

Versions come from the installed packages' metadata: nothing here imports
torch (a read-only command must stay fast); threads and the GPU are read
from torch only where a training has imported it already."""

from __future__ import annotations

import contextvars
import os
import platform
import subprocess
import sys
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

KEYS = ("causal_tui", "git_commit", "git_dirty", "python", "torch", "transformers", "accelerate", "device",
        "precision", "command", "started_at", "finished_at")
"""Every key a provenance record has (tests check each is filled)."""

TRAINING_KEYS = ("precision_choice",)
"""Added by a training (run.json, the model's manifest): how `--precision` was
decided, with the measured bf16/fp32 ratio where `auto` measured one."""

_CALL: contextvars.ContextVar[str | None] = contextvars.ContextVar("causal_tui_call", default=None)


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@lru_cache(maxsize=1)
def version() -> str:
    """causal-tui's version, as installed."""
    return _installed("causal-tui") or "unknown"


def _installed(package: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version as installed

    try:
        return installed(package)
    except PackageNotFoundError:
        return None


# -- what made it -------------------------------------------------------------
def set_call(text: str) -> contextvars.Token:
    """Name the call that makes what follows (an API function and its
    arguments); reset with the token it returns."""
    return _CALL.set(text)


def reset_call(token: contextvars.Token) -> None:
    _CALL.reset(token)


def command() -> str:
    """The command line or API call being run (as its front end named it), else this process's argv."""
    import shlex

    call = _CALL.get()
    if call:
        return call
    argv = sys.argv or ["python"]
    return shlex.join([Path(argv[0]).name or "python", *argv[1:]])


# -- the code ------------------------------------------------------------------
@lru_cache(maxsize=1)
def git() -> tuple[str, bool] | None:
    """(commit, dirty) where the package runs from a git checkout, else None."""
    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists():
        return None
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                                timeout=5).stdout.strip()
        status = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                                capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return (commit, bool(status.strip())) if commit else None


# -- the machine ---------------------------------------------------------------
@lru_cache(maxsize=1)
def cpu() -> dict:
    """The CPU's model name and its bfloat16 units, from /proc/cpuinfo (Linux)."""
    name, flags = platform.processor() or platform.machine(), set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and name in ("", platform.machine(), platform.processor()):
                name = line.split(":", 1)[1].strip()
            elif line.startswith("flags") and not flags:
                flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return {"name": name or "unknown", "avx512_bf16": "avx512_bf16" in flags, "amx_bf16": "amx_bf16" in flags}


def device() -> dict:
    """The device a training here runs on: the GPU (name, CUDA version) where
    torch sees one, else the CPU (model, threads torch uses, bf16 units)."""
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        return {"kind": "cuda", "name": torch.cuda.get_device_name(0), "cuda": torch.version.cuda,
                "count": torch.cuda.device_count()}
    threads = torch.get_num_threads() if torch is not None else os.cpu_count()
    return {"kind": "cpu", **cpu(), "threads": threads, "cores": os.cpu_count()}


def collect(precision: str | None = None, started_at: str | None = None, finished_at: str | None = None) -> dict:
    """A provenance record: every key of KEYS."""
    found = git()
    return {
        "causal_tui": version(),
        "git_commit": found[0] if found else None,
        "git_dirty": found[1] if found else None,
        "python": platform.python_version(),
        "torch": _installed("torch"),
        "transformers": _installed("transformers"),
        "accelerate": _installed("accelerate"),
        "device": device(),
        "precision": precision,
        "command": command(),
        "started_at": started_at or now(),
        "finished_at": finished_at,
    }


def line(record: dict | None) -> str:
    """One line naming where a result came from, for figures and tables."""
    if not record:
        return "provenance not recorded (made before causal-tui recorded it)"
    dev = record.get("device") or {}
    commit = (record.get("git_commit") or "")[:8]
    dirty = "+dirty" if record.get("git_dirty") else ""
    return (f"causal-tui {record.get('causal_tui')}{' ' + commit + dirty if commit else ''}, torch "
            f"{record.get('torch')}, {dev.get('name', '?')}, {record.get('precision') or '?'}, "
            f"{(record.get('finished_at') or record.get('started_at') or '')[:10]}")
