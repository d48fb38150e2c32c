"""`causal-tui inspect [STATE]`: look inside a trained model (see interpret/):
every registered view (interpret/views.py), in order."""

from __future__ import annotations

import json


def main(values: dict, format: str) -> int:
    from causal_tui.cli.console import console as Console
    from causal_tui.interpret import views
    from causal_tui.interpret.inspect import run_inspect
    from causal_tui.interpret.request import InspectRequest

    # JSON holds every field and input for others to check; the tables show one.
    request = InspectRequest.from_settings(values, every_field=format == "json")
    console = Console()
    err = Console(stderr=True)
    with err.status("looking inside", spinner="dots") as status:
        report, loaded, field, flip = run_inspect(request, progress=status.update)
    if format == "json":
        print(json.dumps(report, indent=1))
        return 0
    system = loaded.system
    from causal_tui.report.style import plain

    console.print(f"[bold]{plain(request.folder)}[/]: system {plain(system.label())}, {report['arch']}, "
                  f"held out {len(loaded.held_out)} of {len(system.all_states)} states")
    # Asked for a view that takes longer (--iia, --spectrum), the command prints that view alone:
    # `causal-tui inspect` without them prints do() and the graph.
    asked = [v for v in views.VIEWS if v.scope != "state" and v.asked_by and getattr(request, v.asked_by, False)]
    shown = asked or views.of_scope("model", request) + views.of_scope("variables", request)
    _print(console, shown, report, system, field, flip)
    if request.state is not None:
        where = "held out of training" if report["held_out"] else "in the training data"
        console.print()
        console.print(f"[bold]{report['state']}[/] ({where}): the model wrote {report['completion']!r}, "
                      f"the truth is {system.completion(system.parse_state(request.state))!r}", highlight=False)
        _print(console, views.of_scope("state"), report, system, field, flip)
    return 0


def _print(console, shown, report: dict, system, field: str, flip: str) -> None:
    from causal_tui.report.inspect_tables import RENDER

    for view in shown:
        for part in RENDER[view.key](report, system, field, flip):
            console.print()
            console.print(part)
