"""`causal-tui systems list | show NAME | check FILE`: the bundled systems and system files."""

from __future__ import annotations

from pathlib import Path

from causal_tui.report.style import plain


def _console():
    from causal_tui.cli.console import console as Console

    return Console()


def listing() -> int:
    from rich.table import Table

    from causal_tui.systems import catalog

    table = Table(title="Bundled systems (causal-tui systems show NAME)", title_justify="left", box=None,
                  header_style="bold underline", pad_edge=False)
    for col in ("name", "inputs", "states", "fields", "description"):
        table.add_column(col, no_wrap=col != "description", overflow="fold")
    for name in catalog.bundled_names():
        s = catalog.bundled(name)
        table.add_row(name, " ".join(s.inputs), str(len(s.all_states)), " ".join(s.fields), s.description)
    _console().print(table)
    return 0


def show(name: str) -> int:
    """A system's TOML, step by step, and its truth table."""
    from causal_tui.systems import catalog

    _print(catalog.load(name))
    return 0


def check(path: Path) -> int:
    """Parse a system file: what it is and its truth table; a bad one raises
    its SystemFileError (one line with the entry and column, exit 2)."""
    from causal_tui.errors import UserError
    from causal_tui.systems import reader, reading

    try:
        source = reading.read_text(path, limit=reader.MAX_SOURCE, what="system file")
    except UserError as e:
        raise reader.SystemFileError(str(e)) from None
    system = reader.parse(source, str(path), default_name=Path(path).stem)
    console = _console()
    console.print(f"[green]✓[/] {plain(path)}: system {plain(system.label())}, {len(system.inputs)} inputs "
                  f"({len(system.all_states)} states), fields {', '.join(system.fields)}", highlight=False)
    _print(system, source=False)
    return 0


def _print(system, source: bool = True) -> None:
    from rich.table import Table

    console = _console()
    if source:
        console.print(f"[bold]{plain(system.label())}[/]: {plain(system.description)}", highlight=False)
        for f in system.fields:
            console.print(f"  {plain(f)} = {plain(system.formula(f))}", highlight=False)
    wide = len(system.inputs) >= 6
    table = Table(title=f"Truth table: all {len(system.all_states)} states", title_justify="left",
                  box=None, header_style="bold underline", pad_edge=False)
    table.add_column("state", no_wrap=True)
    for f in system.fields:
        table.add_column(f, justify="right", no_wrap=True)
    table.add_column("completion", no_wrap=True)
    for state in system.all_states:
        truth = system.truth(state)
        label = "".join(map(str, state)) if wide else system.format_state(state)
        table.add_row(label, *(str(truth[f]) for f in system.fields), repr(system.completion(state)))
    console.print(table)
