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


def add_system_arg(p: argparse.ArgumentParser) -> None:
    from .system_file import bundled_names

    p.add_argument("--system", metavar="FILE_OR_NAME", default=None,
                   help="the causal system: a TOML file, or a bundled one by name "
                        f"({', '.join(bundled_names())}; default: dataset/'s, or seed)")


def chosen_system(args: argparse.Namespace):
    """The system --system names, or None where it was not given."""
    from .system_file import load

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


def _positive_float(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not x > 0 or x != x or x == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive number")
    return x


def add_training_args(p: argparse.ArgumentParser) -> None:
    from .training import TrainingConfig

    d = TrainingConfig()
    from .models import ARCHS
    from .training import ARCH_SIZES

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
    g.add_argument("--report-to", choices=("none", "tensorboard"), default="none",
                   help="tensorboard: event files in the run's folder (uv sync --extra tensorboard); "
                        "see them with `tensorboard --logdir out/runs`")
    g.add_argument("--precision", choices=("auto", "fp32", "bf16"), default="auto",
                   help="bf16 trains under bfloat16 autocast; auto (the default) picks bf16 where the CPU has "
                        "AVX512-BF16 or AMX or the GPU supports it, fp32 elsewhere")
    g.add_argument("--max-steps", type=_positive_int, default=None, help="stop after N steps whatever the epochs")
    g.add_argument("--until-perfect", action="store_true",
                   help="stop as soon as every trained state is exact under greedy decoding")
    g.add_argument("--resume", action="store_true", help="continue from the last checkpoint in out/")
    add_out_arg(p)


def add_out_arg(p: argparse.ArgumentParser) -> None:
    from .model_store import DEFAULT_OUT

    p.add_argument("--out-dir", type=Path, default=DEFAULT_OUT, metavar="DIR",
                   help="where checkpoints and tiny-gpt2-causal/final/ go (default out/)")


def training_config(args: argparse.Namespace):
    from .training import TrainingConfig

    sizes = {k: getattr(args, k) for k in ("n_embd", "n_layer", "n_head") if getattr(args, k) is not None}
    config = TrainingConfig.for_arch(
        args.arch, epochs=args.epochs, learning_rate=args.lr, batch_size=args.batch_size, **sizes,
        seed=data.DEFAULT_SEED if args.seed is None else args.seed,
        max_steps=args.max_steps or -1,
        until_perfect=args.until_perfect,
        precision=args.precision,
        report_to=args.report_to,
    )
    config.validate()
    return config


def experiment_parser() -> argparse.ArgumentParser:
    p = _Parser(
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
    args = experiment_parser().parse_args(argv)
    from . import logs

    # Training and testing show their own progress; the details go to logs/.
    logs.setup(console=True, level="INFO" if args.generate else "WARNING")
    if args.generate:
        from .commands import generate

        return _run(lambda: generate.run(args))
    if args.train:
        from .commands import train

        return _run(lambda: train.run(args, regenerate=False))
    from .commands import test

    return _run(lambda: test.run(args))


def tui_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="causal-tui",
        description="A dashboard to hold states out, train the tiny GPT-2 and probe every state; "
                    "--train-only runs headless.",
    )
    p.add_argument("--train-only", action="store_true",
                   help="train without the dashboard: progress bar, then the probe table")
    g = p.add_argument_group("sweeps: many seeds on one holdout, scored against reference guessers")
    g.add_argument("--sweep", action="store_true", help="train --seeds seeds and write a scorecard")
    g.add_argument("--seeds", type=_positive_int, default=10, help="how many seeds (default 10)")
    g.add_argument("--holdout", metavar="PRESET", default=None,
                   help="states to hold out: a list like '1,0,1,0,1;0,0,0,0,0', 'random-K', or 'A=1&C=1'")
    g.add_argument("--holdout-seed", type=_int, default=0, metavar="N", help="seed for random-K (default 0)")
    g.add_argument("--jobs", type=_positive_int, default=1, help="seeds trained at once, one process each (default 1)")
    g.add_argument("--name", default=None, help="folder under out/sweeps/ (default: from the holdout)")
    g.add_argument("--grid", metavar="'KEY=V,V ...'", default=None,
                   help="train every combination for every seed, e.g. 'arch=gpt2,lstm n_layer=1,4 lr=5e-4,1e-3' "
                        "(keys: arch, n_embd, n_layer, n_head, lr, batch_size, epochs, precision)")
    g.add_argument("--backend", choices=("local", "ray"), default="local",
                   help="local worker processes (default), or Ray tasks (uv sync --extra ray)")
    g.add_argument("--address", metavar="ADDR", default=None,
                   help="with --backend ray: a running Ray cluster (e.g. ray://head:10001); "
                        "default: a local instance on loopback")
    i = p.add_argument_group("inspect: look inside a trained model")
    i.add_argument("--inspect", nargs="?", const="", default=None, metavar="STATE",
                   help="interventions on the model's own answers and its input-output graph; with a state "
                        "also attention, logit lens and causal tracing")
    i.add_argument("--json", action="store_true", help="print the whole report as JSON (every field and input)")
    i.add_argument("--model", metavar="DIR", default=None,
                   help="the model folder to inspect (default: the current model under --out-dir)")
    i.add_argument("--field", default=None, help="the field whose attention and tracing to show "
                                                 "(default: the first whose rule reads other fields)")
    i.add_argument("--flip", metavar="INPUT", default=None,
                   help="the input causal tracing flips (default: the first the field depends on)")
    r = p.add_argument_group("runs, tables and figures")
    r.add_argument("--runs", nargs="*", metavar="ACTION", default=None,
                   help="the run history: list (default), use ID (make it the current model), "
                        "compare ID ID, delete ID (asks first; --yes does not)")
    r.add_argument("--yes", action="store_true", help="with --runs delete: do not ask")
    r.add_argument("--probe", action="store_true",
                   help="print the current model's probe (with --sweep-name: that sweep's scorecard)")
    r.add_argument("--format", choices=("table", "markdown", "json"), default="table",
                   help="for --probe (default table)")
    r.add_argument("--plot", metavar="FILE", default=None,
                   help="draw the current model's probe (with --sweep-name: that sweep's scorecard) "
                        "to FILE.png, .svg or .pdf")
    r.add_argument("--sweep-name", metavar="NAME", default=None, help="a sweep under out/sweeps/, for --probe and --plot")
    add_system_arg(p)
    add_dataset_args(p, ("--omit", "-o"))
    add_training_args(p)
    return p


def tui_main(argv: Sequence[str] | None = None) -> int:
    args = tui_parser().parse_args(argv)
    from . import logs

    if args.train_only:
        logs.setup(console=True, level="WARNING")
        from .commands import train

        return _run(lambda: train.run(args, regenerate=True))
    if args.runs is not None or args.probe or args.plot:
        logs.setup(console=True, level="WARNING")
        from .commands import report, runs

        if args.runs is not None:
            return _run(lambda: runs.run(args))
        return _run(lambda: report.probe_command(args) if args.probe else report.plot_command(args))
    if args.inspect is not None:
        logs.setup(console=True, level="WARNING")
        from .commands import inspect

        return _run(lambda: inspect.run(args))
    if args.sweep:
        logs.setup(console=True, level="WARNING")
        from .commands import sweep

        return _run(lambda: sweep.run(args))
    # Nothing may write to the terminal while the dashboard owns it.
    logs.setup(console=False)

    def start() -> int:
        from .app import run

        # Bad flags are reported on one line before the screen opens.
        from .rules import SEED

        chosen = chosen_system(args)
        system = chosen
        if system is None and data.exists(args.dataset_dir):
            system = data.read_manifest(args.dataset_dir)[1]
        omit = data.parse_omit(args.omit, system or SEED) if args.omit is not None else None
        return run(args.dataset_dir, args.out_dir, training_config(args), omit, chosen)

    return _run(start)
