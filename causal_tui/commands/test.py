"""`causal-experiment --test STATE`: the truth step by step, then the model's answer."""

from __future__ import annotations

import argparse

from ..cli import chosen_system
from ..errors import UserError

def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from .. import headless, model_store, probe

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
