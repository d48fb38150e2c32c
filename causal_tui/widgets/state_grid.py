"""The 32 input states as a grid of cells with a cursor (arrow keys move)."""

from __future__ import annotations

from typing import Callable

from rich.text import Text
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from ..rules import ALL_STATES, State

COLUMNS = 4
"""Four states a row: each row shares its first three bits."""


class StateGrid(DataTable):
    """A cell per state; the owner supplies how a cell looks."""

    DEFAULT_CSS = """
    StateGrid { height: auto; width: auto; }
    """

    def __init__(self, render_cell: Callable[[State], Text], **kwargs):
        super().__init__(show_header=False, cursor_type="cell", zebra_stripes=False, **kwargs)
        self.render_cell = render_cell

    def on_mount(self) -> None:
        for c in range(COLUMNS):
            self.add_column(str(c), key=str(c))
        for r in range(len(ALL_STATES) // COLUMNS):
            row = ALL_STATES[r * COLUMNS:(r + 1) * COLUMNS]
            self.add_row(*(self.render_cell(s) for s in row), key=str(r))

    @property
    def current_state(self) -> State:
        c = self.cursor_coordinate
        return ALL_STATES[c.row * COLUMNS + c.column]

    def move_to(self, state: State) -> None:
        i = ALL_STATES.index(state)
        self.cursor_coordinate = Coordinate(i // COLUMNS, i % COLUMNS)

    def redraw(self) -> None:
        """Re-render every cell from the current data."""
        for i, state in enumerate(ALL_STATES):
            self.update_cell_at(Coordinate(i // COLUMNS, i % COLUMNS), self.render_cell(state))
