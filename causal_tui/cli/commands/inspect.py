"""`causal-tui inspect [STATE]`: look inside a trained model (see interpret/)."""

from __future__ import annotations

import argparse
import json
from causal_tui.cli.args import model_folder_of
from causal_tui.errors import UserError


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from causal_tui.interpret import inspect as report_mod
    from causal_tui.learners import loading
    from causal_tui.report import inspect_tables

    folder = model_folder_of(args.model, args.out_dir)
    loaded = loading.load(folder, args.device or "cpu")
    system = loaded.system
    state = None
    if args.state:
        try:
            state = system.parse_state(args.state)
        except ValueError as e:
            raise UserError(f"inspect {args.state}: {e}") from None
    field = args.field or system.default_field
    if field not in system.fields:
        raise UserError(f"--field {field}: the model's system has fields {', '.join(system.fields)}")
    if args.flip is not None and args.flip not in system.inputs:
        raise UserError(f"--flip {args.flip}: the model's system has inputs {', '.join(system.inputs)}")
    # JSON holds every field and input for others to check; the tables show one.
    fields = None if args.format == "json" else [field]
    flip = args.flip or report_mod.default_flip(system, state, field)
    flips = None if args.format == "json" else [flip]
    report = report_mod.inspect(loaded.model, loaded.tokenizer, system, loaded.held_out, state, fields, flips)
    report["model"] = str(folder)
    if args.format == "json":
        print(json.dumps(report, indent=1))
        return 0
    console = Console()
    console.print(f"[bold]{folder}[/]: system {system.label()}, {report['arch']}, "
                  f"held out {len(loaded.held_out)} of {len(system.all_states)} states")
    for part in (inspect_tables.intervention_table(report), inspect_tables.graph_table(report, system)):
        console.print()
        console.print(part)
    if state is not None:
        where = "held out of training" if report["held_out"] else "in the training data"
        console.print()
        console.print(f"[bold]{report['state']}[/] ({where}): the model wrote {report['completion']!r}, "
                      f"the truth is {system.completion(state)!r}", highlight=False)
        for part in (inspect_tables.attention_table(report["attention"][field]),
                     inspect_tables.lens_table(report["logit_lens"]),
                     inspect_tables.tracing_table(report["tracing"][field][flip])):
            console.print()
            console.print(part)
    return 0

