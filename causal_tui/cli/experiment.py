"""`causal-experiment`: the original experiment's command line, flag for flag
(`--generate`, `-o`, `--train`, `--test`), on argparse as it always was."""

from __future__ import annotations

import argparse
from typing import Sequence

from causal_tui.cli.args import EXIT_USAGE, run_reporting_errors
from causal_tui.errors import UserError
from causal_tui.store import logs


class Parser(argparse.ArgumentParser):
    """argparse with a one-line error (no usage dump) and exit code 2."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


MODES = {"generate": "generate", "train": "experiment", "test": "test"}
"""The original's modes (--generate, --train, --test) and the settings' action of each."""


def _typed(setting):
    """argparse's type for a declared setting: its kind, range and choices, one line when wrong."""
    from causal_tui.errors import UserError
    from causal_tui.settings import check

    def parse(text: str):
        try:
            value = setting.kind(text) if setting.kind in (int, float) else text
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {check.WHAT[setting.kind]}") from None
        try:
            return check.check_value(setting, value, setting.flag)
        except UserError as e:
            raise argparse.ArgumentTypeError(str(e).removeprefix(f"{setting.flag} ")) from None

    parse.__name__ = setting.kind.__name__
    return parse


def add_settings(p: argparse.ArgumentParser) -> None:
    """Every setting of the original's modes, from its declaration (settings/declared.py)."""
    from causal_tui.settings import declared

    groups = {}
    shown = [s for s in declared.SETTINGS if s.actions & set(MODES.values()) and s.name != "model"]
    for setting in shown:
        panel = setting.panel.lower()
        group = groups.setdefault(panel, p.add_argument_group(panel))
        flags = setting.flags_for("experiment")
        helptext = setting.help_text("experiment")
        if setting.kind is bool:
            group.add_argument(*flags, dest=setting.name, action="store_true", default=None, help=helptext)
            continue
        choices = setting.allowed() if setting.choices is not None else None
        group.add_argument(*flags, dest=setting.name, type=_typed(setting), default=None, choices=choices,
                           metavar=setting.metavar if choices is None else None, help=helptext)


def experiment_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="causal-experiment",
        description="Generate datasets, train the tiny GPT-2 and test it on one state "
                    "(the original experiment's command line).",
    )
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--generate", action="store_true", help="write dataset/{train,valid,test}.jsonl")
    mode.add_argument("--train", action="store_true",
                      help="train on dataset/ (generated first if absent), save out/tiny-gpt2-causal/final/")
    mode.add_argument("--test", metavar="STATE", help="show the truth and the model's answer for one state, e.g. '1,0,1,0,1'")
    add_settings(p)
    return p


def experiment_main(argv: Sequence[str] | None = None) -> int:
    import shlex
    import sys

    from causal_tui.store import provenance

    argv = list(sys.argv[1:] if argv is None else argv)
    args = experiment_parser().parse_args(argv)
    call = provenance.set_call(shlex.join(["causal-experiment", *argv]))
    try:
        return _dispatch(args)
    finally:
        provenance.reset_call(call)


def _dispatch(args) -> int:
    from causal_tui.settings import check, declared

    # Training and testing show their own progress; the details go to logs/.
    logs.setup(console=True, level="INFO" if args.generate else "WARNING")
    mode = "generate" if args.generate else "train" if args.train else "test"
    action = MODES[mode]
    values = {s.name: getattr(args, s.name) for s in declared.SETTINGS if getattr(args, s.name, None) is not None}

    def main() -> int:
        wrong = next((name for name in values if action not in declared.get(name).actions), None)
        if wrong is not None:
            raise UserError(check.not_applicable(wrong, action))
        if args.generate:
            from causal_tui.cli.commands import generate

            return generate.main(values)
        if args.train:
            from causal_tui.cli.commands import train

            return train.main(values, action="experiment", source="causal-experiment", regenerate=False)
        from causal_tui.cli.commands import test

        return test.main(values, args.test)

    return run_reporting_errors(main)
