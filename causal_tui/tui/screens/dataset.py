"""Dataset screen: choose held-out states, seed and sizes; regenerate."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static

from causal_tui.data import dataset as data
from causal_tui.systems.holdout import HeldOut, unseen_label_lines
from causal_tui.systems.system import State, System
from causal_tui.tui.screens.base import CausalScreen
from causal_tui.tui.screens.system_editor import SystemEditor
from causal_tui.tui.widgets.state_grid import StateGrid, compact, first_states, state_label

PREVIEW_LINES = 3


class DatasetScreen(CausalScreen):
    BINDINGS = [
        Binding("space", "toggle", "Toggle", id="toggle"),
        Binding("g", "app.regenerate", "Regen", id="regenerate"),
        Binding("c", "clear", "Clear", id="clear"),
        Binding("e", "edit_system", "System", id="edit-system"),
    ]

    def body(self) -> ComposeResult:
        with Vertical(id="dataset-body"):
            yield Static("space: hold out of every split (✗)  g: write dataset/  e: edit the system. "
                         "Numbers: lines per state in train.jsonl on disk.", classes="hint")
            yield StateGrid(self.render_cell, first_states(self.session.data.system), id="dataset-grid")
            yield Static(id="dataset-system")
            with Horizontal(id="dataset-form"):
                yield Label("data seed", classes="field-label")
                yield Input(id="seed", type="integer", classes="field")
                for split in data.SPLITS:
                    yield Label(split, classes="field-label")
                    yield Input(id=f"size-{split}", type="integer", classes="field")
            yield Static(id="dataset-warnings")
            yield Static(id="dataset-info")

    _unseen: dict = {}
    """Held-out states whose answer in some field never occurs in training."""

    def on_mount(self) -> None:
        super().on_mount()
        self._fill_form()
        # At once, not deferred: keys already queued must find the grid focused.
        self.set_focus(self.query_one(StateGrid))

    def _fill_form(self) -> None:
        s = self.session
        self.query_one("#seed", Input).value = str(s.data.seed)
        for split in data.SPLITS:
            self.query_one(f"#size-{split}", Input).value = str(s.data.sizes[split])

    def on_resize(self, event) -> None:
        self.query_one(StateGrid).fit(event.size.width - 4)  # the body's padding
        # The equations are broken into lines for the width: again for the new one.
        self.query_one("#dataset-system", Static).update(self._system_text(self.session.data.system))

    def render_cell(self, state: State) -> Text:
        s = self.session
        system = s.data.system
        held = state in s.data.selection
        gap = "" if compact(system) else " "
        text = Text()
        text.append(state_label(system, state), style="bold red" if held else "")
        text.append(gap + "✗" if held else gap + " ", style="bold red")
        text.append("*" if held and self._unseen.get(state) else " ", style="bold yellow")
        if s.data.dataset is not None and s.data.dataset.system == system:
            n = self._counts.get(state, 0)
            text.append(f"{n:>4}" if compact(system) else f"{n:>5}", style="dim")
        return text

    _counts: dict = {}

    def action_edit_system(self) -> None:
        def applied(system: System | None) -> None:
            if system is None:
                return
            refusal = self.session.choose_system(system)
            if refusal:
                self.notify(refusal, severity="warning")
                return
            self.notify(f"system {system.label()} is the one of the next regeneration (g)")
            self.refresh_now()

        self.app.push_screen(SystemEditor(self.session.data.system), applied)

    def action_toggle(self) -> None:
        refusal = self.session.data.toggle(self.query_one(StateGrid).current_state)
        if refusal:
            self.notify(refusal, severity="warning")
        self.refresh_now()

    def action_clear(self) -> None:
        self.session.data.clear()
        self.refresh_now()

    def on_input_changed(self, event: Input.Changed) -> None:
        """Keep the session in step with the form; bad values are marked, not taken."""
        s = self.session
        try:
            value = int(event.value)
        except ValueError:
            value = None
        key = event.input.id
        ok = value is not None and (key == "seed" or value >= 1)
        event.input.set_class(not ok, "-invalid")
        if not ok:
            return
        if key == "seed":
            s.data.set_seed(value)
        else:
            s.data.set_size(key.removeprefix("size-"), value)

    def sync(self) -> None:
        s = self.session
        system = s.data.system
        self._unseen = HeldOut(s.data.selection, system).unseen_labels()
        self._counts = s.data.dataset.counts("train") if s.data.dataset is not None else {}
        grid = self.query_one(StateGrid)
        grid.set_states(first_states(system))
        grid.redraw()
        self.query_one("#dataset-system", Static).update(self._system_text(system))
        warnings = []
        if s.data.error:
            warnings.append(f"[red]{s.data.error}[/]")
        elif s.data.dataset is None:
            warnings.append("[yellow]no dataset yet: press g to write one[/]")
        elif s.data.differs:
            warnings.append("[yellow]your choices differ from the files on disk: press g to regenerate[/]")
        model_omit = s.model.held_out
        if model_omit is not None and set(model_omit) != s.data.selection:
            shown = model_omit.text() or "none"
            warnings.append(f"[yellow]the current model was trained holding out {shown}[/]")
        if s.training.running:
            warnings.append("[cyan]training is running: regeneration waits until it ends[/]")
        unseen = unseen_label_lines(self._unseen, system)
        if unseen:
            warnings.append("[yellow]* unseen label, that answer never occurs in training: " + "; ".join(unseen) + "[/]")
        self.query_one("#dataset-warnings", Static).update("\n".join(warnings) or "[green]dataset/ matches your choices[/]")
        self.query_one("#dataset-info", Static).update(self._info())

    def _system_text(self, system: System) -> Text:
        text = Text()
        text.append(f"system {system.name} ", style="bold")
        shown = len(first_states(system))
        text.append(f"({len(system.inputs)} inputs, {len(system.all_states):,} states"
                    + (f"; the grid shows the first {shown}: hold out a condition with --holdout 'x0=1'" if
                       shown < len(system.all_states) else "") + ") ", style="dim")
        # Lines break between equations, never inside one (rich would break at any space).
        width = max(40, self.app.size.width - 2)
        lines, line = [], ""
        for equation in (f"{f} = {system.formula(f)}" for f in system.fields):
            if line and len(line) + 3 + len(equation) > width:
                lines.append(line)
                line = ""
            line = f"{line}   {equation}" if line else equation
        text.append("\n" + "\n".join([*lines, line]))
        if self.session.data.dataset is not None and self.session.data.dataset.system != system:
            text.append(f"\ndataset/ holds system {self.session.data.dataset.system.label()}: g regenerates",
                        style="yellow")
        return text

    def _info(self) -> Text:
        s = self.session
        if s.data.dataset is None:
            return Text("")
        ds = s.data.dataset
        text = Text()
        text.append(f"on disk in {ds.folder or s.data.folder}/: ", style="bold")
        text.append(data.summary(ds) + "\n")
        train_counts = [n for st, n in ds.counts("train").items() if n]
        if train_counts:
            text.append(f"train lines per state: {min(train_counts)}..{max(train_counts)}", style="dim")
            text.append("\n")
        path = data.split_path(ds.folder or s.data.folder, "train")
        if path is not None:
            with open(Path(path), encoding="utf-8") as f:
                for _ in range(PREVIEW_LINES):
                    line = f.readline().rstrip("\n")
                    if not line:
                        break
                    text.append(line + "\n", style="dim")
        return text
