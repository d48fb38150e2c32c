"""What the screens that show the grid of states share (the Probe screen and
the Sweep screen): a summary above, the grid, the state under the cursor
beside it (under it on a narrow terminal)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from causal_tui.tui.screens.base import CausalScreen
from causal_tui.tui.widgets.marks import NARROW_BELOW
from causal_tui.tui.widgets.state_grid import StateGrid


class GridScreen(CausalScreen):
    SHOWS_LEGEND = True

    def body(self) -> ComposeResult:
        yield Static(id="probe-summary")
        if self.SHOWS_LEGEND:
            yield Static(id="probe-legend")
        with Horizontal(id="probe-main"):
            yield StateGrid(self.render_cell, self.grid_system.all_states, id="probe-grid")
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
