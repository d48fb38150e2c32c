"""Command lines: `causal-experiment` (the original's interface) and `causal-tui`.

Both parse arguments and call the engine; neither holds task logic. The
dashboard is started through a function the console script passes in
(causal_tui/entry.py), so this package never imports the dashboard's."""

from __future__ import annotations

import argparse
from typing import Callable, Sequence

from causal_tui.cli.args import (
    Parser,
    _int,
    _positive_int,
    add_dataset_args,
    add_system_arg,
    add_training_args,
    chosen_system,
    run_reporting_errors,
    training_config,
)
from causal_tui.data import dataset as data
from causal_tui.store import logs


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
    args = experiment_parser().parse_args(argv)
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


def tui_parser() -> argparse.ArgumentParser:
    p = Parser(
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


def tui_main(argv: Sequence[str] | None = None, start_dashboard: Callable[..., int] | None = None) -> int:
    """`causal-tui`: the headless modes here; the dashboard through `start_dashboard`
    (dataset_dir, out_dir, config, omit, system as keywords)."""
    args = tui_parser().parse_args(argv)
    if args.train_only:
        logs.setup(console=True, level="WARNING")
        from causal_tui.cli.commands import train

        return run_reporting_errors(lambda: train.run(args, regenerate=True))
    if args.runs is not None or args.probe or args.plot:
        logs.setup(console=True, level="WARNING")
        from causal_tui.cli.commands import report, runs

        if args.runs is not None:
            return run_reporting_errors(lambda: runs.run(args))
        return run_reporting_errors(lambda: report.probe_command(args) if args.probe else report.plot_command(args))
    if args.inspect is not None:
        logs.setup(console=True, level="WARNING")
        from causal_tui.cli.commands import inspect

        return run_reporting_errors(lambda: inspect.run(args))
    if args.sweep:
        logs.setup(console=True, level="WARNING")
        from causal_tui.cli.commands import sweep

        return run_reporting_errors(lambda: sweep.run(args))
    # Nothing may write to the terminal while the dashboard owns it.
    logs.setup(console=False)

    def start() -> int:
        from causal_tui.systems.catalog import SEED
        from causal_tui.systems.holdout import HeldOut

        # Bad flags are reported on one line before the screen opens.
        chosen = chosen_system(args)
        system = chosen
        if system is None and data.exists(args.dataset_dir):
            system = data.read_manifest(args.dataset_dir)[1]
        omit = HeldOut.parse_list(args.omit, system or SEED) if args.omit is not None else None
        if start_dashboard is None:
            raise RuntimeError("the dashboard is started by the causal-tui console script (causal_tui.entry)")
        return start_dashboard(dataset_dir=args.dataset_dir, out_dir=args.out_dir, config=training_config(args),
                               omit=omit, system=chosen)

    return run_reporting_errors(start)
