"""`causal-tui --sweep`: many seeds (of one configuration or a grid) on one
holdout, then the scorecard."""

from __future__ import annotations

import argparse
import time

from .. import data
from ..cli import EXIT_INTERRUPTED, chosen_system, dataset_sizes, training_config
from ..errors import UserError

EXIT_FAILED = 1


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .. import grid, headless, holdout, sweep
    from ..rules import SEED

    if args.holdout and args.omit:
        raise UserError("give --holdout or --omit, not both")
    preset = args.holdout or args.omit
    if not preset:
        raise UserError("a sweep needs held-out states: --holdout 'A=1&C=1', 'random-3' or a list like '1,0,1,0,1'")
    if args.address and args.backend != "ray":
        raise UserError("--address is for --backend ray")
    system = chosen_system(args) or SEED
    held_out = holdout.parse(preset, system, seed=args.holdout_seed)
    config = training_config(args)
    explicit = frozenset(k for k in ("n_embd", "n_layer", "n_head") if getattr(args, k) is not None)
    cells = grid.parse(args.grid, config, explicit) if args.grid else sweep.single(config)
    name = args.name or sweep.default_name(preset, system, args.grid)
    total = args.seeds * len(cells)
    console = Console()
    what = f"{len(cells)} configurations x {args.seeds} seeds" if args.grid else \
        f"{args.seeds} seed{'s' * (args.seeds != 1)}"
    console.print(f"sweep [bold]{name}[/]: {what}, {len(held_out)} held-out state{'s' * (len(held_out) != 1)}"
                  + (" on Ray" if args.backend == "ray" else ""))
    if system != SEED:
        console.print(f"system: {system.label()}: {system.description}", soft_wrap=True)
    console.print(f"holding out: {data.format_omit(held_out)}", soft_wrap=True)
    unseen = holdout.unseen_label_lines(holdout.unseen_labels(held_out, system), system)
    if unseen:
        console.print("[yellow]unseen labels[/] (the answer never occurs in that field in training): "
                      + "; ".join(unseen), soft_wrap=True)
    training_now: dict[str, tuple[int, int]] = {}  # seed key -> (step, total) while it trains
    trained_here: list[float] = []  # when each seed trained by this command finished
    started = time.perf_counter()
    with headless.stop_on_ctrl_c() as stop, Progress(
        TextColumn("[bold]seeds"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TextColumn("{task.fields[now]}"), console=console,
    ) as bar:
        task = bar.add_task("seeds", total=total, now="")

        def show() -> None:
            now = "  ".join(f"{k}: {step}/{n}" for k, (step, n) in sorted(training_now.items()))
            bar.update(task, now="[yellow]stopping at the next step…[/]" if stop.is_set() else now)

        def on_step(key, step, n):
            training_now[key] = (step, n)
            show()

        def report(done, total, probe):
            if probe is not None:
                trained_here.append(time.perf_counter())
                training_now.pop(probe["key"], None)
                t = probe["summary"]["trained_exact"]
                h = probe["summary"]["held_out_exact"]
                bar.console.print(f"{probe['key']}: {probe['steps']} steps, trained exact {t[0]}/{t[1]}, "
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
            card = sweep.run(name, system, held_out, args.seeds, args.jobs, cells, dataset_sizes(args),
                             args.out_dir, report=report, should_stop=stopping, on_step=on_step,
                             backend=args.backend, address=args.address)
        except sweep.Interrupted as e:
            bar.stop()
            console.print(f"[yellow]stopped[/]: {e.done} of {e.total} seeds done, kept in {e.folder}/. "
                          "Run the same command again to go on.")
            return EXIT_INTERRUPTED
        except sweep.SeedsFailed as e:
            bar.stop()
            console.print(f"[red]error[/]: {e}", soft_wrap=True)
            return EXIT_FAILED
    if trained_here:
        seconds = trained_here[-1] - started
        console.print(f"trained {len(trained_here)} seed{'s' * (len(trained_here) != 1)} in {seconds:.1f} s: "
                      f"{len(trained_here) / seconds * 60:.1f} seeds per minute ({args.jobs} at once, "
                      f"{sweep.threads_per_job(args.jobs)} thread{'s' * (sweep.threads_per_job(args.jobs) != 1)} each)")
    tables = headless.grid_tables(card) if "configurations" in card else headless.scorecard_tables(card)
    for table in tables:
        console.print()
        console.print(table)
    console.print(f"scorecard: {sweep.sweep_dir(args.out_dir, name) / sweep.SCORECARD_FILE}")
    return 0
