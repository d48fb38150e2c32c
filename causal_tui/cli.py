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
    g = p.add_argument_group("training (defaults: the original experiment's)")
    g.add_argument("--epochs", type=_positive_float, default=d.epochs, help=f"passes over train.jsonl (default {d.epochs:g})")
    g.add_argument("--lr", type=_positive_float, default=d.learning_rate, help=f"learning rate (default {d.learning_rate:g})")
    g.add_argument("--batch-size", type=_positive_int, default=d.batch_size, help=f"examples per step (default {d.batch_size})")
    g.add_argument("--n-embd", type=_positive_int, default=d.n_embd, help=f"model width (default {d.n_embd})")
    g.add_argument("--n-layer", type=_positive_int, default=d.n_layer, help=f"layers (default {d.n_layer})")
    g.add_argument("--n-head", type=_positive_int, default=d.n_head, help=f"attention heads (default {d.n_head})")
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

    config = TrainingConfig(
        epochs=args.epochs, learning_rate=args.lr, batch_size=args.batch_size,
        n_embd=args.n_embd, n_layer=args.n_layer, n_head=args.n_head,
        seed=data.DEFAULT_SEED if args.seed is None else args.seed,
        max_steps=args.max_steps or -1,
        until_perfect=args.until_perfect,
    )
    config.validate()
    return config


def prepare_dataset(args: argparse.Namespace, console, regenerate: bool) -> data.Dataset:
    """Load dataset/, generating it first if absent; with `regenerate`, also
    when the system, omit list, seed or sizes asked for differ from the files.
    Without `regenerate`, a dataset of another system than --system names is
    refused."""
    from .rules import SEED

    asked_system = chosen_system(args)
    folder = args.dataset_dir
    exists = data.exists(folder)
    if exists and not regenerate:
        current = data.load(folder)
        if asked_system is not None and current.system != asked_system:
            raise UserError(f"{folder}/ holds a dataset of the {current.system.label()} system, not of "
                            f"{asked_system.label()} asked for with --system: generate one with "
                            f"`causal-experiment --generate --system {args.system}`")
        return current
    current = data.load(folder) if exists else None
    system = asked_system or (current.system if current is not None else SEED)
    omit = data.parse_omit(args.omit, system)
    seed = data.DEFAULT_SEED if args.seed is None else args.seed
    sizes = dataset_sizes(args)
    if current is None:
        reason = f"{folder}/ has no dataset"
    else:
        asked = {"system": system, "omitted": omit, "seed": seed, "sizes": sizes}
        found = {"system": current.system, "omitted": current.omitted, "seed": current.seed, "sizes": current.sizes}
        changed = [k for k in asked if asked[k] != found[k]]
        if not changed:
            return current
        reason = f"the {', '.join(changed)} asked for differ from {folder}/"
    dataset = data.generate(omit, seed=seed, sizes=sizes, system=system)
    data.write(dataset, folder)
    console.print(f"{reason}: generated it ({data.summary(dataset)})")
    return dataset


def cmd_train(args: argparse.Namespace, regenerate: bool) -> int:
    from rich.console import Console

    from . import headless, training

    from . import model_store

    console = Console()
    config = training_config(args)
    model_store.prepare_run_dir(args.out_dir)  # before anything is generated
    dataset = prepare_dataset(args, console, regenerate)
    console.print(f"dataset: {data.summary(dataset)}")
    with headless.stop_on_ctrl_c() as stop, headless.ProgressBar(console) as bar:
        result = training.train(dataset, config, args.out_dir, report=bar,
                                should_stop=stop.is_set, resume=args.resume)
    if result.stopped:
        console.print(f"[yellow]stopped at step {result.steps}[/]: checkpoint kept in "
                      f"{args.out_dir}/; the previous model (if any) is unchanged. "
                      "Continue with --resume.")
        return EXIT_INTERRUPTED
    if config.until_perfect:
        if result.perfect:
            step, secs = result.perfect
            console.print(f"[green]every trained state exact at step {step}, {secs:.1f} s into training[/]")
        else:
            console.print("[yellow]--until-perfect: not every trained state was exact by the end of training[/]")
    console.print(headless.probe_table(result.report))
    console.print(f"[bold]{result.report.summary_line()}[/]")
    console.print(f"saved {result.final_dir}/ ({result.steps} steps, {result.seconds:.1f} s)")
    return 0


def cmd_test(args: argparse.Namespace) -> int:
    from rich.console import Console

    from . import headless, model_store, probe

    folder = model_store.final_dir(args.out_dir)
    # The model's own system says what a state is; read it before loading torch.
    manifest = model_store.read_manifest(folder) if folder.is_dir() else None
    system = model_store.system_of(manifest)
    asked = chosen_system(args)
    if asked is not None and asked != system:
        raise UserError(f"the model in {folder}/ was trained on the {system.label()} system, not on "
                        f"{asked.label()} asked for with --system")
    try:
        state = system.parse_state(args.test)
    except ValueError as e:
        raise UserError(f"--test: {e}") from None
    loaded = model_store.load(folder)
    console = Console()
    console.print(system.explain(state), markup=False, highlight=False)
    console.print()
    report = probe.run(loaded.model, loaded.tokenizer, system, loaded.held_out)
    console.print(headless.state_verdict(report.result(state)), highlight=False)
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from . import headless, holdout, sweep

    if args.holdout and args.omit:
        raise UserError("give --holdout or --omit, not both")
    preset = args.holdout or args.omit
    if not preset:
        raise UserError("a sweep needs held-out states: --holdout 'A=1&C=1', 'random-3' or a list like '1,0,1,0,1'")
    from .rules import SEED

    system = chosen_system(args) or SEED
    held_out = holdout.parse(preset, system, seed=args.holdout_seed)
    config = training_config(args)
    name = args.name or sweep.default_name(preset, system)
    console = Console()
    console.print(f"sweep [bold]{name}[/]: {args.seeds} seed{'s' * (args.seeds != 1)}, "
                  f"{len(held_out)} held-out state{'s' * (len(held_out) != 1)}")
    if system != SEED:
        console.print(f"system: {system.label()}: {system.description}", soft_wrap=True)
    console.print(f"holding out: {data.format_omit(held_out)}", soft_wrap=True)
    unseen = holdout.unseen_label_lines(holdout.unseen_labels(held_out, system), system)
    if unseen:
        console.print("[yellow]unseen labels[/] (the answer never occurs in that field in training): "
                      + "; ".join(unseen), soft_wrap=True)
    training_now: dict[int, tuple[int, int]] = {}  # seed -> (step, total) while it trains
    with headless.stop_on_ctrl_c() as stop, Progress(
        TextColumn("[bold]seeds"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TextColumn("{task.fields[now]}"), console=console,
    ) as bar:
        task = bar.add_task("seeds", total=args.seeds, now="")

        def show() -> None:
            now = "  ".join(f"seed {k}: {step}/{total}" for k, (step, total) in sorted(training_now.items()))
            bar.update(task, now="[yellow]stopping at the next step…[/]" if stop.is_set() else now)

        def on_step(seed, step, total):
            training_now[seed] = (step, total)
            show()

        def report(done, total, probe):
            if probe is not None:
                training_now.pop(probe["seed"], None)
                t = probe["summary"]["trained_exact"]
                h = probe["summary"]["held_out_exact"]
                bar.console.print(f"seed {probe['seed']}: {probe['steps']} steps, trained exact {t[0]}/{t[1]}, "
                                  f"held-out exact {h[0]}/{h[1]}")
            bar.update(task, completed=done)
            show()

        announced = []

        def stopping() -> bool:
            if stop.is_set() and not announced:
                announced.append(True)
                show()  # once: the bar says it is stopping
            return stop.is_set()

        try:
            card = sweep.run(name, system, held_out, args.seeds, args.jobs, config, dataset_sizes(args),
                             args.out_dir, report=report, should_stop=stopping, on_step=on_step)
        except sweep.Interrupted as e:
            bar.stop()
            console.print(f"[yellow]stopped[/]: {e.done} of {e.total} seeds done, kept in {e.folder}/. "
                          "Run the same command again to go on.")
            return EXIT_INTERRUPTED
    for table in headless.scorecard_tables(card):
        console.print()
        console.print(table)
    console.print(f"scorecard: {sweep.sweep_dir(args.out_dir, name) / sweep.SCORECARD_FILE}")
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    from .rules import SEED

    system = chosen_system(args) or SEED
    omit = data.parse_omit(args.omit, system)
    seed = data.DEFAULT_SEED if args.seed is None else args.seed
    dataset = data.generate(omit, seed=seed, sizes=dataset_sizes(args), system=system)
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
        return _run(lambda: cmd_generate(args))
    if args.train:
        return _run(lambda: cmd_train(args, regenerate=False))
    return _run(lambda: cmd_test(args))


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
    add_system_arg(p)
    add_dataset_args(p, ("--omit", "-o"))
    add_training_args(p)
    return p


def tui_main(argv: Sequence[str] | None = None) -> int:
    args = tui_parser().parse_args(argv)
    from . import logs

    if args.train_only:
        logs.setup(console=True, level="WARNING")
        return _run(lambda: cmd_train(args, regenerate=True))
    if args.sweep:
        logs.setup(console=True, level="WARNING")
        return _run(lambda: cmd_sweep(args))
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
