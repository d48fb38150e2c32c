"""Logging: loguru to the console and to logs/, the std `logging` module routed in.

Configure before a Textual app starts: any handler holding the real stderr
would draw over the screen."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from loguru import logger

DEFAULT_DIR = Path("logs")
# The original experiment's settings.
ROTATION = "100 MB"
RETENTION = "10 days"
FILE_NAME = "causal-tui.log"
CONSOLE_FORMAT = "<green>{time:HH:mm:ss}</green> | <level>{level: <7}</level> | {message}"

_log_file: Path | None = None


class _InterceptHandler(logging.Handler):
    """Hands std logging records (transformers, accelerate) to loguru."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level: str | int = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        logger.opt(depth=6, exception=record.exc_info).log(level, record.getMessage())


def setup(console: bool = True, folder: Path = DEFAULT_DIR, level: str = "INFO") -> Path | None:
    """Console sink (coloured, stderr) if asked, file sink in `folder`.

    Returns the log file's path, or None where the folder is not writable
    (logging must never be the reason a run fails)."""
    global _log_file
    logger.remove()
    logger.enable("causal_tui")  # the API disables it (a library keeps quiet unless asked)
    if console:
        # Looked up at each write, so a rich progress bar that swaps sys.stderr
        # for its own proxy keeps log lines above the bar.
        logger.add(lambda msg: sys.stderr.write(msg), level=level, format=CONSOLE_FORMAT,
                   colorize=sys.stderr.isatty())
    _log_file = None
    existing = next(p for p in (Path(folder).absolute(), *Path(folder).absolute().parents) if p.exists())
    if existing.is_dir() and os.access(existing, os.W_OK | os.X_OK):
        # One name, so an error message can point at the very file; loguru
        # renames it with a timestamp when it rotates. Created (with its
        # folder) at the first line logged: a command that logs nothing, or
        # refuses its flags, leaves no file behind.
        path = Path(folder) / FILE_NAME
        logger.add(path, level="DEBUG", rotation=ROTATION, retention=RETENTION, encoding="utf-8", enqueue=False,
                   delay=True)
        _log_file = path.resolve()
    elif console:
        logger.warning(f"not logging to {folder}/: it is not writable")
    logging.basicConfig(handlers=[_InterceptHandler()], level=logging.INFO, force=True)
    return _log_file


def add_listener(callback, level: str = "INFO") -> int:
    """Send formatted log lines to `callback` too (the dashboard's log panel).
    Loguru serialises sinks, so the callback may run on any thread."""
    return logger.add(lambda msg: callback(str(msg).rstrip("\n")), level=level,
                      format="{time:HH:mm:ss} {level: <7} {message}", colorize=False)


def remove_listener(sink_id: int) -> None:
    try:
        logger.remove(sink_id)
    except ValueError:
        pass  # already removed by a later setup()


def route_transformers() -> None:
    """Call after importing transformers: it installs its own stderr handler,
    which would print over a dashboard; send its records through ours."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_default_handler()
    hf_logging.enable_propagation()
    hf_logging.set_verbosity_warning()
    # save_pretrained draws a tqdm bar ("Writing model shards") on stderr.
    hf_logging.disable_progress_bar()


def log_file() -> Path | None:
    """The file this process logs to, for error messages that point at it."""
    return _log_file
