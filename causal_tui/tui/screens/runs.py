"""Runs screen: the run history. enter makes a run current, space marks two
and c compares them, delete removes one (after asking), o sorts."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Footer, Static

from causal_tui.errors import UserError
from causal_tui.report.run_tables import RUN_COLUMNS, run_row
from causal_tui.store import runs as runs_mod
from causal_tui.tui.screens.base import CausalScreen
from causal_tui.tui.widgets.state_grid import StateGrid, compact, first_states, state_label


class Confirm(ModalScreen[bool]):
    """A yes/no question: y says yes, n or esc no; enter presses the focused
    button, which starts on No."""

    BINDINGS = [Binding("y", "answer(True)", "Yes"), Binding("n,escape", "answer(False)", "No")]
    DEFAULT_CSS = """
    Confirm { align: center middle; }
    #confirm-box { width: 60; height: auto; border: round $warning; padding: 1 2; background: $surface; }
    #confirm-question { width: 100%; height: auto; }
    #confirm-buttons { height: auto; margin-top: 1; }
    #confirm-buttons Button { margin-right: 2; }
    """

    def __init__(self, question: str):
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(self.question, id="confirm-question")
            with Horizontal(id="confirm-buttons"):
                yield Button("Yes (y)", id="yes", variant="error")
                yield Button("No (n)", id="no", variant="primary")

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#no", Button))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class CompareScreen(ModalScreen[None]):
    """Where two runs' answers differ, state by state and field by field."""

    BINDINGS = [Binding("escape,c,q", "dismiss", "Back")]
    DEFAULT_CSS = """
    CompareScreen { align: center middle; background: $background; }
    #compare-box { width: 100%; height: 100%; padding: 0 1; }
    #compare-summary { height: auto; }
    #compare-grid { height: 1fr; max-height: 100%; }
    """

    def __init__(self, system, first: str, second: str, comparison: dict):
        super().__init__()
        self.system, self.first, self.second, self.comparison = system, first, second, comparison

    def compose(self) -> ComposeResult:
        with Vertical(id="compare-box"):
            yield Static(self.summary(), id="compare-summary")
            yield StateGrid(self.render_cell, first_states(self.system), id="compare-grid")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(StateGrid).fit(self.app.size.width - 2)
        self.set_focus(self.query_one(StateGrid))

    def summary(self) -> Text:
        c = self.comparison
        text = Text(f" {self.first} vs {self.second}: ", style="bold")
        text.append(f"{c['cells']} cells differ", style="yellow" if c["cells"] else "green")
        text.append(f" in {c['states']} of {len(self.system.all_states)} states; only the first right "
                    f"{c['only_first_right']}, only the second {c['only_second_right']}, both wrong {c['both_wrong']}")
        legend = Text("\n ")
        legend.append("●", style="green")
        legend.append(" differ, first right  ")
        legend.append("●", style="red")
        legend.append(" differ, second right  ")
        legend.append("●", style="yellow")
        legend.append(" differ, both wrong  · same   dots: " + " ".join(self.system.fields), style="dim")
        return text + legend

    def render_cell(self, state) -> Text:
        system = self.system
        key = system.format_state(state)
        differ = set(self.comparison["differ"].get(key, ()))
        detail = self.comparison.get("detail", {}).get(key, {})
        text = Text(state_label(system, state), style="bold" if differ else "dim")
        text.append("" if compact(system) else " ")
        for f in system.fields:
            if f not in differ:
                text.append("·", style="dim")
            else:
                text.append("●", style={"first": "green", "second": "red"}.get(detail.get(f), "yellow"))
        text.append(" ")
        return text


# What tells runs apart first, so that 80 columns show it without scrolling
# sideways; "when" last: the id begins with the same date and time.
SCREEN_COLUMNS = ("id", "source", "held out", "exact", "held-out fields", "arch", "steps", "config", "s", "system",
                  "disk", "when")
assert set(SCREEN_COLUMNS) == {*RUN_COLUMNS, "disk"}


class RunsScreen(CausalScreen):
    BINDINGS = [
        Binding("enter", "use", "Make current", id="use-run"),
        Binding("space", "mark", "Mark", id="mark-run"),
        Binding("c", "compare", "Compare", id="compare-runs"),
        Binding("delete", "delete", "Delete", id="delete-run"),
        Binding("o", "sort", "Sort", id="sort-runs"),
    ]

    def body(self) -> ComposeResult:
        yield Static(id="runs-head")
        yield DataTable(id="runs-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        super().on_mount()
        table = self.query_one(DataTable)
        table.add_column("", key="mark")
        for col in SCREEN_COLUMNS:
            table.add_column(col, key=col)
        self.marked: list[str] = []
        self.listing: list[dict] = []
        self.sort_key, self.sort_reverse = "id", True
        self.set_focus(table)
        self.reload()

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        if hasattr(self, "listing"):
            self.reload()

    def reload(self) -> None:
        """Read out/runs/ again (a few files a run: cheap) and redraw."""
        out = self.session.out_dir
        self.listing = runs_mod.listing(out)
        known = {r["id"] for r in self.listing}
        self.marked = [m for m in self.marked if m in known]
        current = runs_mod.current_id(out) if self.listing else None
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for record in self.listing:
            cells = dict(zip(RUN_COLUMNS, run_row(record)), disk=runs_mod.size_text(record.get("bytes", 0)))
            mark = ("*" if record["id"] == current else " ") + ("✓" if record["id"] in self.marked else " ")
            table.add_row(mark, *(cells[c] for c in SCREEN_COLUMNS), key=record["id"])
        table.sort(self.sort_key, reverse=self.sort_reverse)
        if self.listing:
            table.move_cursor(row=min(row, len(self.listing) - 1))
        head = Text(" " + runs_mod.disk_summary(out, len(self.listing)), style="bold")
        head.append("   * current  ✓ marked   enter: make current  space: mark  c: compare two  "
                    "delete: remove  o: sort", style="dim")
        self.query_one("#runs-head", Static).update(head)

    @property
    def current_run(self) -> str | None:
        table = self.query_one(DataTable)
        if not self.listing:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def action_sort(self) -> None:
        table = self.query_one(DataTable)
        column = table.ordered_columns[table.cursor_column].key.value if table.cursor_type == "cell" else None
        keys = [c.key.value for c in table.ordered_columns if c.key.value != "mark"]
        if column is None:  # row cursor: cycle through the columns
            column = keys[(keys.index(self.sort_key) + 1) % len(keys)] if self.sort_key in keys else keys[0]
        self.sort_reverse = not self.sort_reverse if column == self.sort_key else False
        self.sort_key = column
        table.sort(column, reverse=self.sort_reverse)
        self.notify(f"sorted by {column}{' (descending)' if self.sort_reverse else ''}")

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        key = event.column_key.value
        self.sort_reverse = not self.sort_reverse if key == self.sort_key else False
        self.sort_key = key
        self.query_one(DataTable).sort(key, reverse=self.sort_reverse)

    def action_mark(self) -> None:
        run_id = self.current_run
        if run_id is None:
            return
        if run_id in self.marked:
            self.marked.remove(run_id)
        else:
            self.marked = (self.marked + [run_id])[-2:]  # the two last marked
        self.reload()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        # enter on the table: the table's own binding, which selects the row.
        self.action_use()

    def action_use(self) -> None:
        run_id = self.current_run
        if run_id is not None:
            self.app.use_run(run_id)

    def action_compare(self) -> None:
        if len(self.marked) != 2:
            self.notify("mark two runs with space, then c compares them", severity="warning")
            return
        first, second = self.marked
        try:
            system, comparison = runs_mod.compare_runs(self.session.out_dir, first, second)
        except UserError as e:
            self.notify(str(e), title="cannot compare", severity="error")
            return
        comparison["detail"] = _who_is_right(system, self.session.out_dir, first, second, comparison)
        self.app.push_screen(CompareScreen(system, first, second, comparison))

    def action_delete(self) -> None:
        run_id = self.current_run
        if run_id is None:
            return
        size = runs_mod.size_text(runs_mod.disk_use(runs_mod.runs_dir(self.session.out_dir) / run_id))

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                runs_mod.delete(self.session.out_dir, run_id)
            except UserError as e:
                self.notify(str(e), title="cannot delete", severity="error")
                return
            self.notify(f"deleted run {run_id} ({size})")
            self.reload()

        self.app.push_screen(Confirm(f"Delete run {run_id} ({size})? Its model and history go; "
                                     "the current model stays."), answered)

    def sync(self) -> None:
        training = self.session.training
        if not training.running and getattr(self, "_trained_version", None) != training.last_run:
            self._trained_version = training.last_run
            self.reload()


def _who_is_right(system, out_dir, first: str, second: str, comparison: dict) -> dict:
    """For each differing cell: 'first' or 'second' where only that run is right."""
    a, b = runs_mod.predictions_of(out_dir, first), runs_mod.predictions_of(out_dir, second)
    detail: dict = {}
    for key, fields in comparison["differ"].items():
        truth = system.truth(system.parse_state(key))
        for f in fields:
            detail.setdefault(key, {})[f] = "first" if a[key][f] == truth[f] else \
                "second" if b[key][f] == truth[f] else "both"
    return detail
