"""`causal-experiment --test STATE`: the truth step by step, then the model's answer."""

from __future__ import annotations

import argparse

from causal_tui.cli.args import chosen_system
from causal_tui.errors import UserError


def run(args: argparse.Namespace) -> int:
    from causal_tui.cli.console import console as Console

    from causal_tui.report.probe_tables import state_verdict
    from causal_tui.store import model_folder
    from causal_tui.sweeps.results import probe_of

    folder = model_folder.final_dir(args.out_dir)
    # The model's own system says what a state is; read it before loading torch.
    manifest = model_folder.read_manifest(folder) if folder.is_dir() else None
    system = model_folder.system_of(manifest)
    asked = chosen_system(args)
    if asked is not None and asked != system:
        raise UserError(f"the model in {folder}/ was trained on the {system.label()} system, not on "
                        f"{asked.label()} asked for with --system")
    try:
        state = system.parse_state(args.test)
    except ValueError as e:
        raise UserError(f"--test: {e}") from None
    report, _ = probe_of(folder)  # the probe saved with the model: no torch needed
    console = Console()
    console.print(system.explain(state), markup=False, highlight=False)
    console.print()
    console.print(state_verdict(report.result(state)), highlight=False)
    return 0
