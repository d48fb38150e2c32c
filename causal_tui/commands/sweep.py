"""`causal-tui --sweep`: many seeds on one holdout, then the scorecard."""

from __future__ import annotations

import argparse

from .. import data
from ..cli import EXIT_INTERRUPTED, chosen_system, dataset_sizes, training_config
from ..errors import UserError

def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .. import headless, holdout, sweep

    if args.holdout and args.omit:
        raise UserError("give --holdout or --omit, not both")
    preset = args.holdout or args.omit
    if not preset:
        raise UserError("a sweep needs held-out states: --holdout 'A=1&C=1', 'random-3' or a list like '1,0,1,0,1'")
    from ..rules import SEED

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
