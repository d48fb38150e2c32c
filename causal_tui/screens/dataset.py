"""Dataset screen: choose held-out states, seed and sizes; regenerate."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static

from .. import data, rules
from ..rules import State
from ..widgets.state_grid import StateGrid
from .base import CausalScreen

PREVIEW_LINES = 3


class DatasetScreen(CausalScreen):
    BINDINGS = [
        Binding("space", "toggle", "Toggle", id="toggle"),
        Binding("g", "app.regenerate", "Regen", id="regenerate"),
        Binding("c", "clear", "Clear", id="clear"),
    ]

    def body(self) -> ComposeResult:
        with Vertical(id="dataset-body"):
            yield Static("✗ = held out of every split. Arrows move, space toggles, g writes dataset/. "
                         "Numbers: lines per state in train.jsonl on disk.", classes="hint")
            yield StateGrid(self.render_cell, id="dataset-grid")
            with Horizontal(id="dataset-form"):
                yield Label("seed", classes="field-label")
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
        self.query_one("#seed", Input).value = str(s.seed)
        for split in data.SPLITS:
            self.query_one(f"#size-{split}", Input).value = str(s.sizes[split])

    def render_cell(self, state: State) -> Text:
        s = self.session
        held = state in s.selection
        text = Text()
        text.append(rules.format_state(state), style="bold red" if held else "")
        text.append(" ✗" if held else "  ", style="bold red")
        text.append("*" if held and self._unseen.get(state) else " ", style="bold yellow")
        if s.dataset is not None:
            n = s.dataset.counts("train")[state]
            text.append(f"{n:>5}", style="dim")
        return text

    def action_toggle(self) -> None:
        refusal = self.session.toggle(self.query_one(StateGrid).current_state)
        if refusal:
            self.notify(refusal, severity="warning")
        self.refresh_now()

    def action_clear(self) -> None:
        self.session.selection.clear()
        self.session.changed()
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
            if s.seed != value:
                s.seed = value
                s.changed()
        else:
            split = key.removeprefix("size-")
            if s.sizes[split] != value:
                s.sizes = {**s.sizes, split: value}
                s.changed()

    def sync(self) -> None:
        from .. import holdout

        s = self.session
        self._unseen = holdout.unseen_labels(s.selection)
        self.query_one(StateGrid).redraw()
        warnings = []
        if s.dataset_error:
            warnings.append(f"[red]{s.dataset_error}[/]")
        elif s.dataset is None:
            warnings.append("[yellow]no dataset yet: press g to write one[/]")
        elif s.selection_differs:
            warnings.append("[yellow]your choices differ from the files on disk: press g to regenerate[/]")
        model_omit = s.model_omitted
        if model_omit is not None and model_omit != s.selection:
            shown = data.format_omit(model_omit) or "none"
            warnings.append(f"[yellow]the current model was trained holding out {shown}[/]")
        if s.training:
            warnings.append("[cyan]training is running: regeneration waits until it ends[/]")
        unseen = holdout.unseen_label_lines(self._unseen)
        if unseen:
            warnings.append("[yellow]* unseen label, that answer never occurs in training: " + "; ".join(unseen) + "[/]")
        self.query_one("#dataset-warnings", Static).update("\n".join(warnings) or "[green]dataset/ matches your choices[/]")
        self.query_one("#dataset-info", Static).update(self._info())

    def _info(self) -> Text:
        s = self.session
        if s.dataset is None:
            return Text("")
        ds = s.dataset
        text = Text()
        text.append(f"on disk in {ds.folder or s.dataset_dir}/: ", style="bold")
        text.append(data.summary(ds) + "\n")
        train_counts = [n for st, n in ds.counts("train").items() if n]
        if train_counts:
            text.append(f"train lines per state: {min(train_counts)}..{max(train_counts)}", style="dim")
            text.append("\n")
        path = data.split_path(ds.folder or s.dataset_dir, "train")
        if path is not None:
            with open(Path(path), encoding="utf-8") as f:
                for _ in range(PREVIEW_LINES):
                    line = f.readline().rstrip("\n")
                    if not line:
                        break
                    text.append(line + "\n", style="dim")
        return text
