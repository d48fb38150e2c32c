"""Every input state of a system as a grid of cells with a cursor (arrow keys move)."""

from __future__ import annotations

from typing import Callable

from rich.text import Text
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from causal_tui.systems.system import State, System
from causal_tui.tui.widgets.marks import MARK, RIGHT, UNKNOWN, WRONG

COMPACT_FROM = 6
"""From this many inputs a state is written as bare bits (01101101), no commas."""


def state_label(system: System, state: State) -> str:
    """How a cell names its state: 0,1,1,0,1 or, for 6 to 8 inputs, 01101101."""
    if len(system.inputs) >= COMPACT_FROM:
        return "".join(str(b) for b in state)
    return system.format_state(state)


def compact(system: System) -> bool:
    return len(system.inputs) >= COMPACT_FROM


def probe_cell(system: System, report, state: State, chosen: bool = False) -> Text:
    """A state's cell in a grid of a probe (the Probe screen's, a course's
    frame on the Train screen): its bits, `h` where held out, a dot per field,
    right or wrong (grey without a report), a red x where `chosen`."""
    held = report is not None and state in report.held_out
    gap = "" if compact(system) else " "
    text = Text()
    text.append(state_label(system, state), style="reverse yellow" if held else "")
    # Held out of this model: a letter as well as the colour (a screenshot, a colour-blind reader),
    # in its own column even where the bits are written bare (6 to 8 inputs).
    text.append("h" if held else " ", style="bold yellow")
    for f in system.fields:
        if report is None:
            text.append(MARK, style=UNKNOWN)
        else:
            text.append(MARK, style=RIGHT if report.result(state).fields[f].correct else WRONG)
    text.append(gap + "×" if chosen else gap + " ", style="bold red")
    return text


GRID_UP_TO = 1_024
"""Up to this many states (10 inputs) a grid shows every one; above, at most
GRID_CELLS of them (the screen says which)."""
GRID_CELLS = 256


def first_states(system: System) -> tuple[State, ...]:
    """The states a grid of this system shows where it shows them in order."""
    states = system.all_states
    return states if len(states) <= GRID_UP_TO else states[:GRID_CELLS]


class StateGrid(DataTable):
    """A cell per state; the owner supplies the states and how a cell looks.

    Four states a row where they fit (each row then shares its leading bits),
    else two or one; a tall grid scrolls."""

    DEFAULT_CSS = """
    StateGrid { height: auto; width: auto; }
    """

    def __init__(self, render_cell: Callable[[State], Text], states=(), **kwargs):
        super().__init__(show_header=False, cursor_type="cell", zebra_stripes=False, **kwargs)
        self.render_cell = render_cell
        self.states: tuple[State, ...] = tuple(states)
        self.columns_wanted = 4
        self.max_width: int | None = None
        """Columns the grid may use; set by the owning screen as it is resized."""
        self._layout: tuple[tuple[State, ...], int] | None = None

    def on_mount(self) -> None:
        self._build()

    def _columns(self) -> int:
        if not self.states:
            return 1
        # Each cell is padded by one column either side; the last column's
        # right padding may fall off the edge.
        width = max(self.render_cell(self.states[0]).cell_len, self.render_cell(self.states[-1]).cell_len) + 2
        columns = min(self.columns_wanted, len(self.states))
        while columns > 1 and self.max_width and columns * width - 2 > self.max_width:
            columns //= 2
        return columns

    def _build(self) -> None:
        current = self.current_state if self._layout and self.row_count else None
        columns = self._columns()
        if self._layout == (self.states, columns):
            return
        self._layout = (self.states, columns)
        self.clear(columns=True)
        for c in range(columns):
            self.add_column(str(c), key=str(c))
        for r in range(0, len(self.states), columns):
            self.add_row(*(self.render_cell(s) for s in self.states[r:r + columns]), key=str(r))
        if current in self.states:
            self.move_to(current)

    def set_states(self, states) -> None:
        """Show another set of states (another system); keeps the cursor where it can."""
        states = tuple(states)
        if states != self.states:
            self.states = states
            self._build()

    def fit(self, max_width: int) -> None:
        """Re-layout for the width available."""
        self.max_width = max_width
        if self.is_mounted:
            self._build()

    @property
    def columns_shown(self) -> int:
        return self._layout[1] if self._layout else 1

    @property
    def current_state(self) -> State:
        c = self.cursor_coordinate
        i = min(c.row * self.columns_shown + c.column, len(self.states) - 1)
        return self.states[i]

    def move_to(self, state: State) -> None:
        i = self.states.index(state)
        self.cursor_coordinate = Coordinate(i // self.columns_shown, i % self.columns_shown)

    def redraw(self) -> None:
        """Re-render every cell from the current data."""
        self._build()
        columns = self.columns_shown
        for i, state in enumerate(self.states):
            self.update_cell_at(Coordinate(i // columns, i % columns), self.render_cell(state))
