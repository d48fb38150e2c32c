"""`causal-tui`: subcommands (app.py), the original's `--train-only`, and one
line for every mistake, never a traceback.

The dashboard is started through a function the console script passes in
(causal_tui/entry.py), so this package never imports the dashboard's."""

from __future__ import annotations

import sys
from typing import Callable, Sequence

from causal_tui.cli.args import EXIT_INTERRUPTED, EXIT_USAGE, one_line
from causal_tui.cli.experiment import experiment_main  # noqa: F401  (causal-experiment's entry point)
from causal_tui.errors import UserError

OLD_MODES = {
    "--sweep": "causal-tui sweep --holdout STATES --seeds N",
    "--inspect": "causal-tui inspect [STATE]",
    "--runs": "causal-tui runs list|show|use|compare|delete",
    "--probe": "causal-tui probe [--model DIR|RUN_ID] [--sweep NAME]",
    "--plot": "causal-tui plot FILE [--model DIR|RUN_ID] [--sweep NAME]",
}
"""The mode flags of earlier versions (one namespace), and the subcommands they are now."""
RENAMED = {"--json": "--format json", "--sweep-name": "--sweep NAME"}
"""Flags of earlier versions that have another name now."""

WHY = {
    ("sweep", "--seed"): "a sweep trains seeds 0 to N-1 (--seeds N); --seed picks the one seed of `causal-tui train`",
    ("train", "--seeds"): "train trains one model (--seed N); many seeds are `causal-tui sweep --seeds N`",
    ("sweep", "--dataset-dir"): "each seed of a sweep draws its own dataset in memory; dataset/ is train's",
    ("sweep", "--resume"): "a sweep always resumes: seeds already done are kept",
}
"""Why a flag that belongs elsewhere does not apply, where a line helps."""


def tui_main(argv: Sequence[str] | None = None, start_dashboard: Callable[..., int] | None = None) -> int:
    """Run `causal-tui` with `argv`; the exit code."""
    import shlex

    import typer

    from causal_tui.cli.app import app
    from causal_tui.store import provenance

    argv = list(sys.argv[1:] if argv is None else argv)
    command = typer.main.get_command(app)
    call = provenance.set_call(shlex.join(["causal-tui", *argv]))  # what every record says made it
    try:
        return _run(command, argv, start_dashboard)
    finally:
        provenance.reset_call(call)


def _run(command, argv: list[str], start_dashboard) -> int:
    import typer
    # Typer 0.29 carries its own copy of click; its errors are these (pinned in pyproject.toml).
    from typer._click import exceptions as click

    # What comes before the subcommand (all of it, without one) is the dashboard's.
    head = argv[:next((i for i, a in enumerate(argv) if a in command.commands), len(argv))]
    old = next((a.split("=", 1)[0] for a in head if a.split("=", 1)[0] in {**OLD_MODES, **RENAMED}), None)
    if old is not None:
        print(f"causal-tui: error: {old} is now: {({**OLD_MODES, **RENAMED})[old]} (see causal-tui --help)",
              file=sys.stderr)
        return EXIT_USAGE
    if "--train-only" in head:
        # The headless mode users know: exactly `causal-tui train` with the same flags.
        argv = ["train", *[a for a in argv if a != "--train-only"]]
    try:
        result = command.main(args=argv, prog_name="causal-tui", standalone_mode=False,
                              obj={"start_dashboard": start_dashboard})
    except click.NoSuchOption as e:
        print(one_line(f"{_where(e)}: error: {_not_here(command, e)}"), file=sys.stderr)
        return EXIT_USAGE
    except click.UsageError as e:
        message = " ".join(e.format_message().split()).replace("Value error, ", "")
        print(one_line(f"{_where(e)}: error: {message}"), file=sys.stderr)
        return EXIT_USAGE
    except UserError as e:
        print(one_line(f"error: {e}"), file=sys.stderr)
        return EXIT_USAGE
    except (typer.Abort, KeyboardInterrupt):
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return result if isinstance(result, int) else 0


def _where(e) -> str:
    return e.ctx.command_path if getattr(e, "ctx", None) is not None else "causal-tui"


def _not_here(root, e) -> str:
    """'--seeds does not apply to `causal-tui train`: <why, or where it belongs>'."""
    path = _where(e)
    name = path.split(" ", 1)[1] if " " in path else ""
    flag = e.option_name
    why = WHY.get((name, flag)) or (f"it is now {RENAMED[flag]}" if flag in RENAMED else None)
    if why is None:
        owners = [p for p, opts in _options(root) if flag in opts and p != name]
        why = (f"it is an option of {', '.join(f'`causal-tui {p}`'.replace(' `', '`') for p in owners)}"
               if owners else f"see `{path} --help`")
    return f"{flag} does not apply to `{path}`: {why}"


def _options(group, prefix: str = ""):
    """(subcommand path, its option names) for every command under the group."""
    for name, cmd in getattr(group, "commands", {}).items():
        path = f"{prefix} {name}".strip()
        yield path, {o for p in cmd.params if p.param_type_name == "option" for o in p.opts + p.secondary_opts}
        yield from _options(cmd, path)
