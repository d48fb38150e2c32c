"""`causal-tui inspect [STATE]`: look inside a trained model (see interpret/)."""

from __future__ import annotations

import argparse
import json
from causal_tui.cli.args import model_folder_of
from causal_tui.errors import UserError


def run(args: argparse.Namespace) -> int:
    from causal_tui.cli.console import console as Console

    from causal_tui.interpret import inspect as report_mod
    from causal_tui.learners import loading
    from causal_tui.report import inspect_tables

    for flag, value in (("--variable", args.variable), ("--das", args.das), ("--das-dims", args.das_dims)):
        if value and not args.iia:
            raise UserError(f"{flag} applies to interchange interventions: add --iia")
    if args.das_dims and not args.das:
        raise UserError("--das-dims applies to the alignment search: add --das")
    folder = model_folder_of(args.model, args.out_dir)
    loaded = loading.load(folder, args.device or "cpu")
    system = loaded.system
    if args.iia:
        _check_variable(system, args.variable)
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
    console = Console()
    err = Console(stderr=True)
    with err.status("looking inside", spinner="dots") as status:
        report = report_mod.inspect(loaded.model, loaded.tokenizer, system, loaded.held_out, state, fields, flips,
                                    with_iia=args.iia, variables=[args.variable] if args.variable else None,
                                    das=args.das, das_dims=args.das_dims or 1, progress=status.update)
    report["model"] = str(folder)
    if args.format == "json":
        print(json.dumps(report, indent=1))
        return 0
    console.print(f"[bold]{folder}[/]: system {system.label()}, {report['arch']}, "
                  f"held out {len(loaded.held_out)} of {len(system.all_states)} states")
    for part in (inspect_tables.intervention_table(report), inspect_tables.graph_table(report, system)):
        console.print()
        console.print(part)
    if args.iia:
        _print_iia(console, report["iia"], system)
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



def _check_variable(system, variable: str | None) -> None:
    names = system.intermediates
    if not names:
        raise UserError(f"--iia: the system {system.name} has no intermediate variable (an equation output "
                        "that a later equation reads): nothing to look for inside")
    if variable is not None and variable not in names:
        raise UserError(f"--variable {variable}: the intermediate variables of {system.name} are {', '.join(names)}")


def _print_iia(console, iia: dict, system) -> None:
    from causal_tui.report import inspect_tables

    for variable, entry in iia.items():
        console.print()
        console.print(inspect_tables.iia_table(entry))
        console.print(inspect_tables.iia_summary(entry))
        console.print()
        console.print(inspect_tables.iia_table(entry, "control"))
        if "das" in entry:
            console.print()
            console.print(inspect_tables.das_table(entry["das"], variable))
