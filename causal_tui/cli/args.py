"""What the command lines share: a parser with one-line errors, the argument
groups (system, dataset, training), reading them into engine values, exit codes."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, Sequence

from causal_tui.data import dataset as data
from causal_tui.errors import UserError

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


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


def chosen_system(args: argparse.Namespace):
    """The system --system names, or None where it was not given."""
    from causal_tui.systems.catalog import load

    return load(args.system) if args.system is not None else None


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


def seed_of(args: argparse.Namespace) -> int:
    """--seed, or the default seed where it was not given."""
    return data.DEFAULT_SEED if args.seed is None else args.seed


def run_reporting_errors(main: Callable[[], int | None]) -> int:
    """Turn user errors into one line and exit code 2, Ctrl+C into 130."""
    try:
        return main() or 0
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _positive_float(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not x > 0 or x != x or x == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive number")
    return x


def add_training_args(p: argparse.ArgumentParser) -> None:
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


def training_config(args: argparse.Namespace):
    from causal_tui.training.config import TrainingConfig

    sizes = {k: getattr(args, k) for k in ("n_embd", "n_layer", "n_head") if getattr(args, k) is not None}
    config = TrainingConfig.for_arch(
        args.arch, epochs=args.epochs, learning_rate=args.lr, batch_size=args.batch_size, **sizes,
        seed=seed_of(args),
        max_steps=args.max_steps or -1,
        until_perfect=args.until_perfect,
        precision=args.precision,
        report_to=args.report_to,
    )
    config.validate()
    return config
