"""`causal-tui runs list | show ID | use ID | compare ID ID | delete ID`: the run history."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from causal_tui.errors import UserError


def _console():
    from causal_tui.cli.console import console as Console

    return Console()


def listing(out: Path, format: str) -> int:
    """Every run, newest first (a table, or rows as csv, json or markdown)."""
    from causal_tui.store.table_files import csv_text, markdown_text
    from causal_tui.report.run_tables import runs_table
    from causal_tui.store import runs

    found, problems = runs.listing_with_problems(out)
    for problem in problems:  # one line each; the other runs still list
        print(f"skipped: {problem}", file=sys.stderr)
    if format == "json":
        print(json.dumps(found, indent=1))
        return 0
    if format in ("csv", "markdown"):
        rows = runs.rows(found)
        print(csv_text(rows) if format == "csv" else markdown_text(rows), end="")
        return 0
    console = _console()
    if not found:
        console.print(f"no runs yet in {runs.runs_dir(out)}/")
        return 0
    console.print(runs_table(found, runs.current_id(out)))
    console.print(runs.disk_summary(out, len(found)))
    return 0


def show(out: Path, run_id: str, format: str) -> int:
    """One run's record: every key, nested ones as a.b."""
    from causal_tui.report.run_tables import record_table
    from causal_tui.store import runs

    record = runs.read(out, run_id)
    if format == "json":
        print(json.dumps(record, indent=1))
        return 0
    _console().print(record_table(record))
    return 0


def use(out: Path, run_id: str) -> int:
    from causal_tui.store import runs

    from causal_tui.learners import loading

    final = runs.use(out, run_id, check=loading.load)  # a model that does not load never becomes current
    _console().print(f"run {run_id} is the current model ({final}/)")
    return 0


def compare(out: Path, first: str, second: str) -> int:
    from causal_tui.report.run_tables import comparison_text
    from causal_tui.store import runs

    system, comparison = runs.compare_runs(out, first, second)
    _console().print(comparison_text(system, first, second, comparison), highlight=False)
    return 0


def delete(out: Path, run_id: str, yes: bool) -> int:
    """Delete a run after a yes (or with --yes); in a pipe, --yes is needed."""
    from causal_tui.store import runs

    record = runs.read(out, run_id)
    size = runs.size_text(runs.disk_use(runs.runs_dir(out) / run_id))
    console = _console()
    if not yes:
        if not sys.stdin.isatty():
            raise UserError(f"deleting run {run_id} ({size}) needs a yes: run it in a terminal, or add --yes")
        answer = input(f"delete run {run_id} ({record.get('source')}, {record.get('status')}, {size})? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            console.print("kept")
            return 0
    runs.delete(out, run_id)
    console.print(f"deleted run {run_id} ({size})")
    return 0
