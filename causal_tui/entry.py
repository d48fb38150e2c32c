"""The `causal-tui` console script: the command line, which starts the
dashboard when no headless mode is asked for. It sits above both front ends
so that neither imports the other."""

from __future__ import annotations

from typing import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    from causal_tui.cli.main import tui_main

    return tui_main(argv, start_dashboard=start_dashboard)


def start_dashboard(**options) -> int:
    """Open the dashboard with the options the command line read (see tui.app.run)."""
    from causal_tui.tui.app import run

    return run(**options)
