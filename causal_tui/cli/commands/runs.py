"""`causal-tui --runs [list | use ID | compare A B | delete ID]`: the run history."""

from __future__ import annotations

import argparse
import sys

from causal_tui.errors import UserError

USAGE = "--runs takes: list (the default), use ID, compare ID ID, or delete ID"


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from causal_tui.report.run_tables import comparison_text, runs_table
    from causal_tui.store import runs

    words = list(args.runs)
    action = words.pop(0) if words else "list"
    expected = {"list": 0, "use": 1, "compare": 2, "delete": 1}
    if action not in expected or len(words) != expected[action]:
        raise UserError(USAGE)
    console = Console()
    out = args.out_dir
    if action == "list":
        listing = runs.listing(out)
        if not listing:
            console.print(f"no runs yet in {runs.runs_dir(out)}/")
            return 0
        console.print(runs_table(listing, runs.current_id(out)))
        console.print(runs.disk_summary(out, len(listing)))
        return 0
    if action == "use":
        final = runs.use(out, words[0])
        console.print(f"run {words[0]} is the current model ({final}/)")
        return 0
    if action == "compare":
        system, comparison = runs.compare_runs(out, *words)
        console.print(comparison_text(system, words[0], words[1], comparison), highlight=False)
        return 0
    record = runs.read(out, words[0])
    size = runs.size_text(runs.disk_use(runs.runs_dir(out) / words[0]))
    if not args.yes:
        if not sys.stdin.isatty():
            raise UserError(f"deleting run {words[0]} ({size}) needs a yes: run it in a terminal, or add --yes")
        answer = input(f"delete run {words[0]} ({record.get('source')}, {record.get('status')}, {size})? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            console.print("kept")
            return 0
    runs.delete(out, words[0])
    console.print(f"deleted run {words[0]} ({size})")
    return 0
