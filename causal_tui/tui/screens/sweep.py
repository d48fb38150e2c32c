"""Sweep screen: the newest sweep's scorecard on the grid of states (w on
the Probe screen): each held-out state's fields shaded by the share of seeds
right, the per-field accuracy, and one state's cells over the seeds."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.binding import Binding
from textual.widgets import Static

from causal_tui.report.style import bound
from causal_tui.science.scorecard import interpolator_mark, level
from causal_tui.systems.catalog import from_manifest
from causal_tui.systems.system import State, System
from causal_tui.tui.screens.grid_screen import GridScreen
from causal_tui.tui.widgets.marks import MARK, RIGHT, UNKNOWN, WRONG
from causal_tui.tui.widgets.state_grid import StateGrid, compact, state_label


def _mark(value) -> str:
    """A guesser's answer, ? where its vote is tied."""
    return "?" if value is None else str(value)


def _fraction_style(fraction: float | None) -> str:
    return {"right": RIGHT, "wrong": WRONG, "mixed": "yellow", "none": UNKNOWN}[level(fraction)]


class SweepScreen(GridScreen):
    BINDINGS = [
        Binding("w", "close", "Back", id="sweep-back"),
        Binding("escape", "close", "Back", show=False),
        Binding("c", "next_configuration", "Next config", id="next-config"),
    ]

    SHOWS_LEGEND = False

    @property
    def grid_system(self) -> System:
        return from_manifest(self.session.sweep.card.get("system"))

    WHICH = "the held-out ones"

    def worth_showing(self, system) -> list:
        held = set(self.session.sweep.card["held_out"])
        return [s for s in system.all_states if system.format_state(s) in held]

    def action_close(self) -> None:
        self.session.sweep.close()
        self.app.pop_screen()

    def action_next_configuration(self) -> None:
        problem = self.session.sweep.next_configuration()
        if problem:
            self.notify(problem, severity="warning")
        self.refresh_now()

    def on_data_table_cell_highlighted(self, event) -> None:
        self.query_one("#probe-detail", Static).update(self.detail(self.query_one(StateGrid).current_state))

    def sync(self) -> None:
        if self.session.sweep.card is None:
            return
        grid = self.query_one(StateGrid)
        grid.set_states(self.shown_states(self.grid_system))
        grid.redraw()
        self.query_one("#probe-summary", Static).update(self.summary())
        self.query_one("#probe-detail", Static).update(self.detail(grid.current_state))

    def render_cell(self, state: State) -> Text:
        """Each field shaded by the fraction of seeds right (held-out states of the sweep)."""
        card = self.session.sweep.card
        system = self.grid_system
        key = system.format_state(state)
        label = state_label(system, state)
        gap = "" if compact(system) else " "
        text = Text()
        if key not in card["held_out"]:
            text.append(label, style="dim")
            text.append(gap + "·" * len(system.fields) + gap + " ", style="dim")
            return text
        text.append(label, style="reverse yellow")
        text.append(gap)
        for c in (c for c in card["cells"] if c["state"] == key):
            text.append(MARK, style=_fraction_style(c["fraction"]))
        text.append(gap + " ")
        return text

    def summary(self) -> Text:
        card = self.session.sweep.card
        text = Text(f" sweep {card['name']}: {len(card['seeds'])} seeds, held-out accuracy ", style="bold")
        if self.session.sweep.configuration:
            grid = self.session.sweep.grid
            text = Text(f" sweep {grid['name']} [{self.session.sweep.index + 1}/{len(grid['configurations'])}: "
                        f"{self.session.sweep.configuration}] (c: next), {len(card['seeds'])} seeds, held-out ",
                        style="bold")
        for f, st in card["fields"].items():
            text.append(f"{f} ", style="dim")
            text.append(f"{st['accuracy']:.2f} ", style=_fraction_style(st["accuracy"]))
        own = {f: st["own_answers"] for f, st in card["fields"].items() if st.get("own_answers")}
        if own:
            text.append(" rule on its own answers ", style="bold")
            for f, o in own.items():
                text.append(f"{f} ", style="dim")
                text.append("-- " if o["fraction"] is None else f"{o['fraction']:.2f} ")
        text.append(" (w: back)", style="dim")
        return text

    def detail(self, state: State) -> Table | Text:
        card = self.session.sweep.card
        key = self.grid_system.format_state(state)
        cells = [c for c in card["cells"] if c["state"] == key]
        if not cells:
            return Text(f"{key} was trained on in this sweep", style="dim")
        table = Table(box=None, pad_edge=False, title=Text(f"{key} over {len(card['seeds'])} seeds", style="bold"),
                      title_justify="left")
        for col in ("field", "truth", "right", "95% CI", "nn", "interp", "model values"):
            table.add_column(col, justify="left" if col in ("field", "model values") else "right")
        for c in cells:
            lo, hi = c["interval95"]
            table.add_row(c["field"] + ("*" if c["unseen_label"] else ""), str(c["truth"]),
                          Text(f"{c['right']}/{c['seeds']}", style=_fraction_style(c["fraction"])),
                          f"{bound(lo, False)}-{bound(hi, True)}", _mark(c["guessers"]["nearest_neighbour"]),
                          interpolator_mark(c),
                          " ".join("?" if v is None else str(v) for v in c["model_values"]))
        table.caption = ("* answer never seen in training   nn: nearest-neighbour vote\n"
                         "interp: lowest-degree fit (? where such fits disagree)")
        table.caption_justify = "left"
        return table
