"""`causal-experiment --train` and `causal-tui train` (`--train-only`): train, save, probe."""

from __future__ import annotations

import argparse

from causal_tui.cli.args import EXIT_INTERRUPTED, chosen_system, dataset_sizes, held_out_of, seed_of, training_config
from causal_tui.data import dataset as data


def prepare_dataset(args: argparse.Namespace, console, regenerate: bool) -> data.Dataset:
    """dataset/ as the flags ask for it (see data.ensure); says when it was generated."""
    dataset, reason = data.ensure(args.dataset_dir, lambda system: held_out_of(args, system), seed_of(args),
                                  dataset_sizes(args), chosen_system(args), regenerate, args.system)
    if reason:
        console.print(f"{reason}: generated it ({data.summary(dataset)})")
    return dataset


def _check_holdout(args) -> None:
    """Refuse a bad holdout before anything is written (it is read against the
    system asked for, else dataset/'s)."""
    from causal_tui.systems.catalog import SEED

    system = chosen_system(args)
    if system is None and data.exists(args.dataset_dir):
        system = data.read_manifest(args.dataset_dir)[1]
    held_out_of(args, system or SEED)


def run(args: argparse.Namespace, regenerate: bool) -> int:
    from causal_tui.cli.console import console as Console

    from causal_tui.report.probe_tables import probe_table
    from causal_tui.report.progress_bar import ProgressBar
    from causal_tui.store import locks, model_folder
    from causal_tui.training import run as training
    from causal_tui.training.interrupt import stop_on_ctrl_c

    console = Console()
    config = training_config(args)
    _check_holdout(args)
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
