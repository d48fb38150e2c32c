"""Command lines: `causal-experiment` (the original's interface) and `causal-tui`.

Both parse arguments and call the engine; neither holds task logic."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, Sequence

from . import data
from .errors import UserError

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error (no usage dump) and exit code 2."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return n


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def add_dataset_args(p: argparse.ArgumentParser, omit_flags: Sequence[str]) -> None:
    g = p.add_argument_group("dataset")
    g.add_argument(*omit_flags, dest="omit", metavar="STATES", default=None,
                   help="states to leave out of every split, e.g. '1,1,1,1,1;0,0,0,0,0'")
    g.add_argument("--seed", type=_int, default=None,
                   help=f"random seed for the dataset and training (default {data.DEFAULT_SEED})")
    for split, n in data.DEFAULT_SIZES.items():
        g.add_argument(f"--{split}-size", type=_positive_int, default=None, metavar="N",
                       help=f"lines in {split}.jsonl (default {n:,})")
    g.add_argument("--dataset-dir", type=Path, default=data.DEFAULT_DIR, metavar="DIR",
                   help="where the JSONL files live (default dataset/)")


def dataset_sizes(args: argparse.Namespace) -> dict[str, int]:
    return {s: getattr(args, f"{s}_size") or n for s, n in data.DEFAULT_SIZES.items()}


def _run(main: Callable[[], int | None]) -> int:
    """Turn user errors into one line and exit code 2, Ctrl+C into 130."""
    try:
        return main() or 0
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def cmd_generate(args: argparse.Namespace) -> int:
    omit = data.parse_omit(args.omit)
    seed = data.DEFAULT_SEED if args.seed is None else args.seed
    dataset = data.generate(omit, seed=seed, sizes=dataset_sizes(args))
    folder = data.write(dataset, args.dataset_dir)
    print(f"wrote {folder}/: {data.summary(dataset)}")
    for split in data.SPLITS:
        print(f"  {folder / (split + '.jsonl')}  {len(dataset.splits[split]):>7,} lines")
    print(f"  {folder / data.MANIFEST}")
    return 0


def experiment_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="causal-experiment",
        description="Generate datasets, train the tiny GPT-2 and test it on one state "
                    "(the original experiment's command line).",
    )
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--generate", action="store_true", help="write dataset/{train,valid,test}.jsonl")
    add_dataset_args(p, ("-o", "--omit"))
    return p


def experiment_main(argv: Sequence[str] | None = None) -> int:
    args = experiment_parser().parse_args(argv)
    from . import logs

    logs.setup(console=True)
    return _run(lambda: cmd_generate(args))


def tui_main(argv: Sequence[str] | None = None) -> int:
    raise SystemExit("causal-tui: the dashboard has not landed yet")
