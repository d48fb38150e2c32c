"""The rich consoles the commands print with.

In a terminal rich uses its width. Piped into a file or a notebook cell it
would assume 80 columns and cut the wider tables (the scorecard's per-field
table is about 90): there it takes $COLUMNS, or 120."""

from __future__ import annotations

import os
import sys

PIPED_WIDTH = 120


def console(stderr: bool = False):
    from rich.console import Console

    from causal_tui.report.style import set_colour

    stream = sys.stderr if stderr else sys.stdout
    width = None if _terminal(stream) or os.environ.get("COLUMNS") else PIPED_WIDTH
    made = Console(stderr=stderr, width=width)
    if not stderr:  # what the tables' captions say about their marks
        set_colour(made.is_terminal and not made.no_color)
    return made


def _terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
