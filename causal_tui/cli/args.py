"""What the command lines share: exit codes, one-line errors, the model folder --model names."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable

from causal_tui.errors import UserError

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_CODES = {EXIT_OK: "done", EXIT_FAILED: "some seeds failed", EXIT_USAGE: "bad input",
              EXIT_INTERRUPTED: "interrupted"}


def model_folder_of(model: str | None, out_dir: Path) -> Path:
    """The folder --model names (see store.runs.resolve_model). Reads only."""
    from causal_tui.store import runs

    return runs.resolve_model(out_dir, model)


def one_line(text: str) -> str:
    """A message as one line of plain text: newlines and control characters
    (a terminal would act on escape sequences from a user's file) become spaces."""
    return "".join(ch if ch.isprintable() else " " for ch in str(text))


def run_reporting_errors(main: Callable[[], int | None]) -> int:
    """Turn user errors into one line and exit code 2, Ctrl+C into 130."""
    try:
        return main() or 0
    except UserError as e:
        print(one_line(f"error: {e}"), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
