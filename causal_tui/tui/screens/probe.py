"""Probe screen: every state, every field, right or wrong, at a glance."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.binding import Binding
from textual.widgets import Static

from causal_tui.systems.system import State, System
from causal_tui.tui.screens.grid_screen import GridScreen
from causal_tui.tui.widgets.marks import MARK, RIGHT, WRONG
from causal_tui.tui.widgets.state_grid import StateGrid, probe_cell


def _mdi_text(value: float) -> str:
    """The min-degree interpolator's value at a state, short."""
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}"


class ProbeScreen(GridScreen):
    BINDINGS = [
        Binding("r", "app.reprobe", "Re-probe", id="reprobe"),
        Binding("space", "toggle", "Toggle", id="toggle"),
        Binding("g", "app.regenerate", "Regen", id="regenerate"),
        Binding("s", "app.start_training", "Train", id="start"),
        Binding("R", "app.retrain", "Regen+train", id="retrain"),
        Binding("x", "app.stop_training", "Stop", id="stop", show=False),
        Binding("w", "app.sweep_view", "Sweep view", id="sweep"),
    ]

    @property
    def grid_system(self) -> System:
        """The system the grid shows: the current model's, else the one of the next regeneration."""
        s = self.session
        return s.model.system or s.data.system

    def legend(self, system: System) -> Text:
        legend = Text(f"{MARK} right ", style=RIGHT)
        legend.append(f"{MARK} wrong ", style=WRONG)
        legend.append("h held out", style="reverse yellow")
        legend.append(" ×", style="bold red")
        # Short enough for 80 columns: the dots are the fields in this order.
        dots = " ".join(system.fields)
        legend.append(f" hold out next {MARK}: " + dots if len(dots) < 36 else f" hold out next {MARK}: fields in order",
                      style="dim")
        return legend

    WHICH = "the wrong trained ones, then the held-out ones"

    def worth_showing(self, system) -> list:
        report = self.session.model.report
        if report is None or report.system != system:
            return list(system.all_states)
        wrong = [r.state for r in report.states if not r.held_out and not r.exact]
        return wrong + [r.state for r in report.states if r.held_out]

    def render_cell(self, state: State) -> Text:
        s = self.session
        system = self.grid_system
        report = s.model.report if s.model.report is not None and s.model.report.system == system else None
        chosen = system == s.data.system and state in s.data.selection
        return probe_cell(system, report, state, chosen)

    def action_toggle(self) -> None:
        if self.grid_system != self.session.data.system:
            self.notify("the grid shows the model's system, not the one of the next regeneration: "
                        "choose held-out states on the Dataset screen (d)", severity="warning")
            return
        refusal = self.session.data.toggle(self.query_one(StateGrid).current_state)
        if refusal:
            self.notify(refusal, severity="warning")
        self.refresh_now()

    def on_data_table_cell_highlighted(self, event) -> None:
        state = self.query_one(StateGrid).current_state
        self.session.inspect.state = state  # what the Inspect screen (i) looks at
        self.query_one("#probe-detail", Static).update(self.detail(state))

    def sync(self) -> None:
        system = self.grid_system
        grid = self.query_one(StateGrid)
        grid.set_states(self.shown_states(system))
        grid.redraw()
        self.query_one("#probe-legend", Static).update(self.legend(system))
        self.query_one("#probe-summary", Static).update(self.summary())
        self.query_one("#probe-detail", Static).update(self.detail(self.query_one(StateGrid).current_state))

    def summary(self) -> Text:
        s = self.session
        if s.model.report is None:
            if s.model.probing:
                return Text(" probing the saved model…", style="cyan")
            if s.training.running:
                return Text(" training… the grid fills when it ends (t to watch)", style="cyan")
            return Text(" no model yet: press s to train one on dataset/ (or t for the Train screen)",
                        style="yellow")
        r = s.model.report
        n, total = r.exact(held_out=False)
        text = Text(" trained exact ", style="bold")
        text.append(f"{n}/{total}", style=RIGHT if n == total else WRONG)
        h_n, h_total = r.exact(held_out=True)
        if h_total:
            text.append("   held-out exact ", style="bold")
            text.append(f"{h_n}/{h_total}", style=RIGHT if h_n == h_total else WRONG)
            text.append("   held-out fields ", style="bold")
            for f, (k, tot) in r.field_accuracy(held_out=True).items():
                text.append(f"{f} ", style="dim")
                text.append(f"{k}/{tot} ", style=RIGHT if k == tot else WRONG)
        else:
            text.append("   no held-out states", style="dim")
        if s.model.probing:
            text.append("  (re-probing…)", style="cyan")
        if r.system != s.data.system:
            text.append(f"\n model: system {r.system.label()}; next regeneration: {s.data.system.label()}",
                        style="yellow")
        note = self.grid_note(r.system)
        if note:
            text.append(f"\n {note}", style="dim")
        return text

    def detail(self, state: State) -> Table | Text:
        """Step-by-step truth beside the model's answer for one state."""
        s = self.session
        system = self.grid_system
        values = system.evaluate(state)
        table = Table(box=None, pad_edge=False, show_edge=False, title_justify="left",
                      title=Text("  ".join(f"{v}={values[v]}" for v in system.inputs), style="bold"))
        report = s.model.report
        result = report.result(state) if report is not None and report.system == system else None
        fits = s.model.min_degree() if result is not None and result.held_out else {}
        columns = ("field", "rule", "truth", "model", "p") + (("MDI",) if fits else ())
        for col in columns:
            table.add_column(col, justify="left" if col in ("field", "rule") else "right")
        for f in system.fields:
            cells = [f, system.formula(f), str(values[f])]
            if result is None:
                cells += ["-", ""]
            else:
                fr = result.fields[f]
                shown = "?" if fr.predicted is None else str(fr.predicted)
                cells += [Text(f"{shown} {'✓' if fr.correct else '✗'}", style=RIGHT if fr.correct else WRONG),
                          f"{fr.prob:.2f}"]
            if fits:
                fit = fits.get(f)
                cells.append(_mdi_text(fit.value(state)) if hasattr(fit, "value") else "--")
            table.add_row(*cells)
        if result is not None:
            caption = Text(f"completion {result.completion!r}  ")
            caption.append("exact" if result.exact else "not exact", style=RIGHT if result.exact else WRONG)
            caption.append("\nheld out of training for this model" if result.held_out
                           else "\nin this model's training data",
                           style="yellow" if result.held_out else "dim")
            if fits:
                caption.append("\nMDI: the min-degree interpolator of the trained states here", style="dim")
            table.caption, table.caption_justify = caption, "left"
        return table
