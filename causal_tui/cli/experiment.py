"""`causal-experiment`: the original experiment's command line, flag for flag
(`--generate`, `-o`, `--train`, `--test`), on argparse as it always was."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Sequence

from causal_tui.cli.args import EXIT_USAGE, run_reporting_errors
from causal_tui.data import dataset as data
from causal_tui.store import logs


class Parser(argparse.ArgumentParser):
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


def add_system_arg(p: argparse.ArgumentParser) -> None:
    from causal_tui.systems.catalog import bundled_names

    p.add_argument("--system", metavar="FILE_OR_NAME", default=None,
                   help="the causal system: a TOML file, or a bundled one by name "
                        f"({', '.join(bundled_names())}; default: dataset/'s, or seed)")


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


def _positive_float(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not x > 0 or x != x or x == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive number")
    return x


def add_training_args(p: argparse.ArgumentParser) -> None:
    """The training flags (argparse defaults are the config's, as the original printed them)."""
    from causal_tui.learners.registry import ARCH_SIZES, ARCHS
    from causal_tui.training.config import REPORT_TO, TrainingConfig
    from causal_tui.training.precision import CHOICES

    d = TrainingConfig()

    g = p.add_argument_group("training (defaults: the original experiment's)")
    g.add_argument("--arch", choices=ARCHS, default="gpt2",
                   help="the learner: gpt2 (the original's), lstm or mlp; each sized to about GPT-2 128/4/4's "
                        "parameters (default gpt2)")
    g.add_argument("--epochs", type=_positive_float, default=d.epochs, help=f"passes over train.jsonl (default {d.epochs:g})")
    g.add_argument("--lr", type=_positive_float, default=d.learning_rate, help=f"learning rate (default {d.learning_rate:g})")
    g.add_argument("--batch-size", type=_positive_int, default=d.batch_size, help=f"examples per step (default {d.batch_size})")
    sizes = "; ".join(f"{a} {s['n_embd']}" for a, s in ARCH_SIZES.items())
    g.add_argument("--n-embd", type=_positive_int, default=None, help=f"model width (default by arch: {sizes})")
    g.add_argument("--n-layer", type=_positive_int, default=None, help=f"layers (default {d.n_layer})")
    g.add_argument("--n-head", type=_positive_int, default=None, help=f"GPT-2 attention heads (default {d.n_head})")
    g.add_argument("--report-to", choices=REPORT_TO, default="none",
                   help="tensorboard: event files in the run's folder (uv sync --extra tensorboard); "
                        "see them with `tensorboard --logdir out/runs`")
    g.add_argument("--precision", choices=CHOICES, default="auto",
                   help="bf16 trains under bfloat16 autocast; auto (the default) picks bf16 where the CPU has "
                        "AVX512-BF16 or AMX or the GPU supports it, fp32 elsewhere")
    g.add_argument("--max-steps", type=_positive_int, default=None, help="stop after N steps whatever the epochs")
    g.add_argument("--until-perfect", action="store_true",
                   help="stop as soon as every trained state is exact under greedy decoding")
    g.add_argument("--resume", action="store_true", help="continue from the last checkpoint in out/")
    add_out_arg(p)


def add_out_arg(p: argparse.ArgumentParser) -> None:
    from causal_tui.store.model_folder import DEFAULT_OUT

    p.add_argument("--out-dir", type=Path, default=DEFAULT_OUT, metavar="DIR",
                   help="where checkpoints and tiny-gpt2-causal/final/ go (default out/)")


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
    add_system_arg(p)
    add_dataset_args(p, ("-o", "--omit"))
    add_training_args(p)
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
    # Training and testing show their own progress; the details go to logs/.
    logs.setup(console=True, level="INFO" if args.generate else "WARNING")
    if args.generate:
        from causal_tui.cli.commands import generate

        return run_reporting_errors(lambda: generate.run(args))
    if args.train:
        from causal_tui.cli.commands import train

        return run_reporting_errors(lambda: train.run(args, regenerate=False))
    from causal_tui.cli.commands import test

    return run_reporting_errors(lambda: test.run(args))
