"""`causal-tui` without a subcommand: check the flags on one line, then open the dashboard."""

from __future__ import annotations

from typing import Callable

from causal_tui.cli.args import chosen_system, held_out_of, model_folder_of, training_config
from causal_tui.data import dataset as data


def run(args, start_dashboard: Callable[..., int] | None) -> int:
    from causal_tui.store import logs

    options = checked(args)
    if start_dashboard is None:
        raise RuntimeError("the dashboard is started by the causal-tui console script (causal_tui.entry)")
    # Nothing may write to the terminal while the dashboard owns it.
    logs.setup(console=False)
    return start_dashboard(**options)


def checked(args) -> dict:
    """The dashboard's options from the flags, each checked (a bad one is a
    UserError, reported on one line before any screen opens)."""
    from causal_tui.systems.catalog import SEED

    chosen = chosen_system(args)
    system = chosen
    if system is None and data.exists(args.dataset_dir):
        system = data.read_manifest(args.dataset_dir)[1]
    given = args.holdout is not None or getattr(args, "omit", None) is not None
    holdout = held_out_of(args, system or SEED) if given else None
    model = model_folder_of(args.model, args.out_dir) if args.model is not None else None
    config = training_config(args)
    return dict(dataset_dir=args.dataset_dir, out_dir=args.out_dir, config=config, omit=holdout, system=chosen,
                model=model)
