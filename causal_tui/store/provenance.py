"""Where a result came from: the tool's version (and, from a git checkout, its
commit), for every record the tool writes."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def version() -> str:
    """causal-tui's version, as installed."""
    from importlib.metadata import PackageNotFoundError, version as installed

    try:
        return installed("causal-tui")
    except PackageNotFoundError:
        return "unknown"
