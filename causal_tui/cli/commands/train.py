"""`causal-experiment --train` and `causal-tui train` (`--train-only`): train, save, probe."""

from __future__ import annotations

import argparse

from causal_tui.cli.args import EXIT_INTERRUPTED, chosen_system, dataset_sizes, held_out_of, seed_of, training_config
from causal_tui.data import dataset as data
from causal_tui.errors import UserError
from causal_tui.systems.catalog import SEED


def prepare_dataset(args: argparse.Namespace, console, regenerate: bool) -> data.Dataset:
    """Load dataset/, generating it first if absent; with `regenerate`, also
    when the system, omit list, seed or sizes asked for differ from the files.
    Without `regenerate`, a dataset of another system than --system names is
    refused."""
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
    omit = held_out_of(args, system)
    seed = seed_of(args)
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
    # The caller holds dataset/'s lock for the whole training.
    dataset = data.regenerate(folder, omit, seed=seed, sizes=sizes, system=system, lock=False)
    console.print(f"{reason}: generated it ({data.summary(dataset)})")
    return dataset


def run(args: argparse.Namespace, regenerate: bool) -> int:
    from rich.console import Console

    from causal_tui.report.probe_tables import probe_table
    from causal_tui.report.progress_bar import ProgressBar
    from causal_tui.store import locks, model_folder
    from causal_tui.training import run as training
    from causal_tui.training.interrupt import stop_on_ctrl_c

    console = Console()
    config = training_config(args)
    model_folder.prepare_run_dir(args.out_dir)  # before anything is generated
    with locks.for_training(args.dataset_dir, args.out_dir):
        dataset = prepare_dataset(args, console, regenerate)
        console.print(f"dataset: {data.summary(dataset)}")
        with stop_on_ctrl_c() as stop, ProgressBar(console) as bar:
            result = training.train(dataset, config, args.out_dir, report=bar, should_stop=stop.is_set,
                                    resume=args.resume, record_as="train-only" if regenerate else "train")
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
    console.print(probe_table(result.report))
    console.print(f"[bold]{result.report.summary_line()}[/]")
    console.print(f"saved {result.final_dir}/ ({result.steps} steps, {result.seconds:.1f} s); "
                  f"run {result.run_id} in {args.out_dir}/runs/")
    return 0
