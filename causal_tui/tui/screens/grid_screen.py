"""What the screens that show the grid of states share (the Probe screen and
the Sweep screen): a summary above, the grid, the state under the cursor
beside it (under it on a narrow terminal)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from causal_tui.tui.screens.base import CausalScreen
from causal_tui.tui.widgets.marks import NARROW_BELOW
from causal_tui.tui.widgets.state_grid import GRID_CELLS, GRID_UP_TO, StateGrid



class GridScreen(CausalScreen):
    SHOWS_LEGEND = True

    def shown_states(self, system) -> tuple:
        """The states the grid shows: every one, or for a large system those `worth_showing` picks."""
        if len(system.all_states) <= GRID_UP_TO:
            return system.all_states
        return tuple(self.worth_showing(system)[:GRID_CELLS])

    def worth_showing(self, system) -> list:
        return list(system.all_states)

    def grid_note(self, system) -> str:
        """What a large system's grid leaves out, in a few words ('' when it shows every state)."""
        total = len(system.all_states)
        if total <= GRID_UP_TO:
            return ""
        return f"grid: {len(self.shown_states(system)):,} of {total:,} states ({self.WHICH})"

    WHICH = "the first ones"

    def body(self) -> ComposeResult:
        yield Static(id="probe-summary")
        if self.SHOWS_LEGEND:
            yield Static(id="probe-legend")
        with Horizontal(id="probe-main"):
            yield StateGrid(self.render_cell, self.shown_states(self.grid_system), id="probe-grid")
            with VerticalScroll(id="probe-detail-box"):
                yield Static(id="probe-detail")

    def on_mount(self) -> None:
        super().on_mount()
        # At once, not deferred: keys already queued must find the grid focused.
        self.set_focus(self.query_one(StateGrid))

    def on_resize(self, event) -> None:
        narrow = event.size.width < NARROW_BELOW
        self.set_class(narrow, "narrow")
        # Beside the details the grid leaves them about 45 columns.
        self.query_one(StateGrid).fit(event.size.width - 2 if narrow else event.size.width - 50)
