"""Probe screen: every state, every field, right or wrong, at a glance."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from causal_tui.report.style import bound
from causal_tui.science.scorecard import interpolator_mark, level
from causal_tui.systems.catalog import from_manifest
from causal_tui.systems.system import State, System
from causal_tui.tui.screens.base import CausalScreen
from causal_tui.tui.widgets.state_grid import StateGrid, compact, state_label

RIGHT, WRONG, UNKNOWN = "green", "red", "grey50"
MARK = "●"
NARROW_BELOW = 130
"""Below this width the details go under the grid instead of beside it."""


def _mark(value) -> str:
    """A guesser's answer, ? where its vote is tied."""
    return "?" if value is None else str(value)


def _fraction_style(fraction: float | None) -> str:
    return {"right": RIGHT, "wrong": WRONG, "mixed": "yellow", "none": UNKNOWN}[level(fraction)]


class ProbeScreen(CausalScreen):
    BINDINGS = [
        Binding("r", "app.reprobe", "Re-probe", id="reprobe"),
        Binding("space", "toggle", "Toggle", id="toggle"),
        Binding("g", "app.regenerate", "Regen", id="regenerate"),
        Binding("s", "app.start_training", "Train", id="start"),
        Binding("R", "app.retrain", "Regen+train", id="retrain"),
        Binding("x", "app.stop_training", "Stop", id="stop", show=False),
        Binding("w", "sweep_view", "Sweep view", id="sweep"),
        Binding("c", "next_configuration", "Next config", id="next-config", show=False),
    ]

    def body(self) -> ComposeResult:
        yield Static(id="probe-summary")
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

    @property
    def grid_system(self) -> System:
        """The system the grid shows: the sweep's in the sweep view, else the
        current model's, else the one of the next regeneration."""
        s = self.session
        if s.sweep.card is not None:
            return from_manifest(s.sweep.card.get("system"))
        return s.model.system or s.data.system

    def legend(self, system: System) -> Text:
        legend = Text(f"{MARK} right ", style=RIGHT)
        legend.append(f"{MARK} wrong", style=WRONG)
        legend.append(" held out ", style="reverse yellow")
        legend.append(" ×", style="bold red")
        # Short enough for 80 columns: the dots are the fields in this order.
        dots = " ".join(system.fields)
        legend.append(" hold out next  dots: " + dots if len(dots) < 40 else " hold out  dots: fields in order",
                      style="dim")
        return legend

    def action_sweep_view(self) -> None:
        s = self.session
        if s.sweep.card is not None:
            s.sweep.close()
        else:
            problem = s.sweep.load_latest(s.out_dir)
            if problem:
                self.notify(problem, severity="warning")
        self.refresh_now()

    def action_next_configuration(self) -> None:
        s = self.session
        if s.sweep.card is None:
            self.notify("c picks a configuration in a grid sweep's view (w)", severity="warning")
            return
        problem = s.sweep.next_configuration()
        if problem:
            self.notify(problem, severity="warning")
        self.refresh_now()

    def _sweep_cell(self, state: State) -> Text:
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

    def render_cell(self, state: State) -> Text:
        s = self.session
        if s.sweep.card is not None:
            return self._sweep_cell(state)
        system = self.grid_system
        report = s.model.report if s.model.report is not None and s.model.report.system == system else None
        held = report is not None and state in report.held_out
        gap = "" if compact(system) else " "
        text = Text()
        text.append(state_label(system, state), style="reverse yellow" if held else "")
        text.append(gap)
        for f in system.fields:
            if report is None:
                text.append(MARK, style=UNKNOWN)
            else:
                text.append(MARK, style=RIGHT if report.result(state).fields[f].correct else WRONG)
        chosen = system == s.data.system and state in s.data.selection
        text.append(gap + "×" if chosen else gap + " ", style="bold red")
        return text

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
        grid.set_states(system.all_states)
        grid.redraw()
        self.query_one("#probe-legend", Static).update(self.legend(system))
        self.query_one("#probe-summary", Static).update(self.summary())
        self.query_one("#probe-detail", Static).update(self.detail(self.query_one(StateGrid).current_state))

    def _sweep_summary(self) -> Text:
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

    def summary(self) -> Text:
        s = self.session
        if s.sweep.card is not None:
            return self._sweep_summary()
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
        return text

    def _sweep_detail(self, state: State) -> Table | Text:
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
            lo, hi = c.get("interval95") or c["wilson95"]
            table.add_row(c["field"] + ("*" if c["unseen_label"] else ""), str(c["truth"]),
                          Text(f"{c['right']}/{c['seeds']}", style=_fraction_style(c["fraction"])),
                          f"{bound(lo, False)}-{bound(hi, True)}", _mark(c["guessers"]["nearest_neighbour"]),
                          interpolator_mark(c),
                          " ".join("?" if v is None else str(v) for v in c["model_values"]))
        table.caption = ("* answer never seen in training   nn: nearest-neighbour vote\n"
                         "interp: lowest-degree fit (? where such fits disagree)")
        table.caption_justify = "left"
        return table

    def detail(self, state: State) -> Table | Text:
        """Step-by-step truth beside the model's answer for one state."""
        s = self.session
        if s.sweep.card is not None:
            return self._sweep_detail(state)
        system = self.grid_system
        values = system.evaluate(state)
        table = Table(box=None, pad_edge=False, show_edge=False, title_justify="left",
                      title=Text("  ".join(f"{v}={values[v]}" for v in system.inputs), style="bold"))
        for col in ("field", "rule", "truth", "model", "p"):
            table.add_column(col, justify="left" if col in ("field", "rule") else "right")
        report = s.model.report
        result = report.result(state) if report is not None and report.system == system else None
        for f in system.fields:
            cells = [f, system.formula(f), str(values[f])]
            if result is None:
                cells += ["-", ""]
            else:
                fr = result.fields[f]
                shown = "?" if fr.predicted is None else str(fr.predicted)
                cells += [Text(f"{shown} {'✓' if fr.correct else '✗'}", style=RIGHT if fr.correct else WRONG),
                          f"{fr.prob:.2f}"]
            table.add_row(*cells)
        if result is not None:
            caption = Text(f"completion {result.completion!r}  ")
            caption.append("exact" if result.exact else "not exact", style=RIGHT if result.exact else WRONG)
            caption.append("\nheld out of training for this model" if result.held_out
                           else "\nin this model's training data",
                           style="yellow" if result.held_out else "dim")
            table.caption, table.caption_justify = caption, "left"
        return table
