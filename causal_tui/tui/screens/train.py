"""Train screen: hyperparameters, start/stop, live loss chart, progress, logs."""

from __future__ import annotations

import dataclasses

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Checkbox, Input, Label, ProgressBar, RichLog, Select, Static

from causal_tui.learners import registry
from causal_tui.settings import declared
from causal_tui.tui.screens.base import CausalScreen
from causal_tui.tui.widgets.loss_chart import LossChart

# The form is derived from the declared settings that have a label on it.
ON_FORM = tuple(s for s in declared.CONFIG if s.form)
CHOICES: tuple[declared.Setting, ...] = tuple(s for s in ON_FORM if s.choices is not None)
"""Picked from a list."""
FORM: tuple[declared.Setting, ...] = tuple(s for s in ON_FORM if s.choices is None and s.kind in (int, float))
"""Typed in."""
SWITCHES: tuple[declared.Setting, ...] = tuple(s for s in ON_FORM if s.kind is bool)


class TrainScreen(CausalScreen):
    BINDINGS = [
        Binding("s", "app.start_training", "Start", id="start"),
        Binding("x", "app.stop_training", "Stop", id="stop"),
        Binding("escape", "leave_form", "Leave form", show=False),
    ]

    def body(self) -> ComposeResult:
        with Horizontal(id="train-top"):
            with Vertical(id="train-form"):
                for setting in CHOICES:
                    with Horizontal(classes="form-row"):
                        yield Label(setting.form, classes="field-label")
                        yield Select([(c, c) for c in setting.allowed()], id=f"cfg-{setting.name}", classes="field",
                                     compact=True, allow_blank=False, tooltip=setting.help_text("dashboard"),
                                     value=getattr(self.session.training.config, setting.name))
                for setting in FORM:
                    with Horizontal(classes="form-row"):
                        yield Label(setting.form, classes="field-label")
                        yield Input(id=f"cfg-{setting.name}", type="number" if setting.kind is float else "integer",
                                    classes="field", compact=True, tooltip=setting.help_text("dashboard"))
                for setting in SWITCHES:
                    yield Checkbox(setting.form, id=f"cfg-{setting.name}", compact=True,
                                   value=getattr(self.session.training.config, setting.name),
                                   tooltip=setting.help_text("dashboard"))
                yield Static("[dim]defaults: the original's\ntab: edit, esc: done[/]", id="train-help")
            yield LossChart(id="loss-chart")
        yield ProgressBar(id="train-progress", show_eta=True)
        yield Static(id="train-stats")
        yield RichLog(id="train-log", max_lines=500, wrap=True, markup=False)

    def on_mount(self) -> None:
        super().on_mount()
        # Start outside the form so s, x, d, t, p work at once; tab enters it.
        self.set_focus(self.query_one(RichLog))
        self._logged = 0
        self._chart_points = (-1, -1)
        config = self.session.training.config
        for setting in FORM:
            self.query_one(f"#cfg-{setting.name}", Input).value = f"{getattr(config, setting.name):g}"

    def action_leave_form(self) -> None:
        self.query_one("#train-log").focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        """Parse the form into the session's config; mark what does not parse."""
        name = event.input.id.removeprefix("cfg-")
        kind = declared.get(name).kind
        try:
            value = kind(event.value)
            candidate = dataclasses.replace(self.session.training.config, **{name: value})
            candidate.validate()
        except Exception:
            event.input.add_class("-invalid")
            return
        event.input.remove_class("-invalid")
        self.session.training.config = candidate

    def on_select_changed(self, event: Select.Changed) -> None:
        name = event.select.id.removeprefix("cfg-")
        config = self.session.training.config
        if getattr(config, name) == event.value:
            return
        if name == "arch":
            # Another learner: its default size (about GPT-2 128/4/4's parameters).
            config = dataclasses.replace(config, arch=event.value, **registry.get(event.value).sizes)
            for setting in FORM:
                self.query_one(f"#cfg-{setting.name}", Input).value = f"{getattr(config, setting.name):g}"
        else:
            config = dataclasses.replace(config, **{name: event.value})
        try:
            config.validate()
        except Exception as e:  # e.g. TensorBoard not installed: say so, keep the old value
            self.notify(str(e), severity="error")
            event.select.value = getattr(self.session.training.config, name)
            return
        self.session.training.config = config

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        name = event.checkbox.id.removeprefix("cfg-")
        self.session.training.config = dataclasses.replace(self.session.training.config, **{name: event.value})

    def sync(self) -> None:
        s = self.session
        for inp in self.query("#train-form Input, #train-form Checkbox, #train-form Select"):
            inp.disabled = s.training.running
        points = (len(s.training.losses), len(s.training.evals))
        if points != self._chart_points:
            self._chart_points = points
            self.query_one(LossChart).show(s.training.losses, s.training.evals)
        bar = self.query_one(ProgressBar)
        # An ETA only means something while a run is going.
        bar.query_one("#eta").display = s.training.running
        p = s.training.progress
        if p is not None:
            bar.update(total=p.total_steps, progress=p.step)
        elif s.training.running:
            bar.update(total=None)
        else:
            # A bar with no total animates forever: show an empty, still one.
            bar.update(total=1, progress=0)
        if s.training.running and p is not None:
            stats = (f" {s.training.phase}  step {p.step}/{p.total_steps}  loss {p.loss:.4f}  "
                     f"{p.steps_per_s:.1f} steps/s")
            if s.training.evals:
                stats += f"  eval {s.training.evals[-1][1]:.4f}"
        elif s.training.running:
            stats = f" {s.training.phase}…"
        elif s.training.last_run:
            stats = f" last run: {s.training.last_run}"
        else:
            stats = " idle: s starts training on dataset/ with these settings"
        self.query_one("#train-stats", Static).update(stats)
        lines, self._logged = s.logs.since(self._logged)
        log = self.query_one(RichLog)
        for line in lines:
            log.write(line)
