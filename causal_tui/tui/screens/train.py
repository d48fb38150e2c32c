"""Train screen: hyperparameters, start/stop, live loss chart, progress, logs;
and (c) the course a --probe-every training recorded, replayed on the grid of states."""

from __future__ import annotations

import dataclasses

from textual.app import ComposeResult
from textual.binding import Binding
from rich.text import Text
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Checkbox, ContentSwitcher, Input, Label, ProgressBar, RichLog, Select, Static

from causal_tui.learners import registry
from causal_tui.settings import declared
from causal_tui.tui.screens.base import CausalScreen
from causal_tui.tui.widgets.loss_chart import LossChart
from causal_tui.tui.widgets.marks import RIGHT, WRONG
from causal_tui.tui.widgets.state_grid import StateGrid, probe_cell

PLAY_EVERY_S = 0.3
"""How long a frame of a replayed course stays on screen."""

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
        Binding("c", "course", "Course", id="course"),
        # Told on the course's own head line: the footer has no room for them at 80 columns.
        Binding("left_square_bracket", "frame(-1)", "Step back", id="frame-back", show=False),
        Binding("right_square_bracket", "frame(1)", "Step on", id="frame-on", show=False),
        Binding("space", "play", "Replay", id="play"),
        Binding("escape", "leave_form", "Leave form", show=False),
    ]

    def body(self) -> ComposeResult:
        with Horizontal(id="train-top"):
            # Scrolls at 80x24: tab brings each field into view.
            with VerticalScroll(id="train-form"):
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
                                    classes="field", compact=True, tooltip=setting.help_text("dashboard"),
                                    placeholder="off" if setting.default is None else "")
                for setting in SWITCHES:
                    yield Checkbox(setting.form, id=f"cfg-{setting.name}", compact=True,
                                   value=getattr(self.session.training.config, setting.name),
                                   tooltip=setting.help_text("dashboard"))
                yield Static("[dim]defaults: the original's\ntab: edit, esc: done[/]", id="train-help")
            with ContentSwitcher(initial="loss-chart", id="train-right"):
                yield LossChart(id="loss-chart")
                with Vertical(id="course"):
                    yield Static(id="course-head")
                    with VerticalScroll(id="course-box"):
                        yield StateGrid(self.course_cell, id="course-grid")
        yield ProgressBar(id="train-progress", show_eta=True)
        yield Static(id="train-stats")
        yield RichLog(id="train-log", max_lines=500, wrap=True, markup=False)

    def on_mount(self) -> None:
        super().on_mount()
        # Start outside the form so s, x, d, t, p work at once; tab enters it.
        self.set_focus(self.query_one(RichLog))
        self._logged = 0
        self._chart_points = (-1, -1)
        self._player = None
        self._drawn = None
        # A replay is watched, not browsed: no cursor hiding a cell's colours.
        self.query_one("#course-grid", StateGrid).show_cursor = False
        self._show_form(self.session.training.config)

    def _show_form(self, config) -> None:
        for setting in FORM:
            value = getattr(config, setting.name)
            self.query_one(f"#cfg-{setting.name}", Input).value = "" if value is None else f"{value:g}"

    def action_leave_form(self) -> None:
        self.query_one("#train-log").focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        """Parse the form into the session's config; mark what does not parse."""
        name = event.input.id.removeprefix("cfg-")
        setting = declared.get(name)
        try:
            # Empty: the setting's default where that is "off" (probe every).
            value = None if event.value == "" and setting.default is None else setting.kind(event.value)
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
            self._show_form(config)
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

    # -- the course (--probe-every), replayed -----------------------------------
    @property
    def course(self):
        return self.session.training.course

    def course_cell(self, state) -> Text:
        course = self.course
        shown = course.frames[course.index].report if course is not None and course.index is not None else None
        system = course.system if course is not None else self.session.data.system
        return probe_cell(system, shown, state)

    def action_course(self) -> None:
        """Show the course instead of the loss chart, or the chart again."""
        switcher = self.query_one(ContentSwitcher)
        if switcher.current == "course":
            switcher.current = "loss-chart"
            return
        if not self.session.training.running and (self.course is None or self.course.source != "this training"):
            # A saved run's course: read again each time (another run may have been made current).
            self.session.training.show_course(self.session.model.course())
        switcher.current = "course"
        self.refresh_now()

    def action_frame(self, delta: int) -> None:
        if self.course is None or not self.course.frames:
            self.notify(self._course_why(), severity="warning")
            return
        self._stop_playing()
        self.query_one(ContentSwitcher).current = "course"
        self.course.step_by(delta)
        self.session.changed()
        self.refresh_now()

    def action_play(self) -> None:
        """Replay the course from its first frame (again: pause)."""
        if self._player is not None:
            self._stop_playing()
            return
        if self.course is None or not self.course.frames:
            self.notify(self._course_why(), severity="warning")
            return
        self.query_one(ContentSwitcher).current = "course"
        self.course.go_to(0)
        self._player = self.set_interval(PLAY_EVERY_S, self._next_frame)
        self.refresh_now()

    def _next_frame(self) -> None:
        course = self.course
        if course is None or course.index is None or course.index >= len(course.frames) - 1:
            self._stop_playing()
            return
        course.step_by(1)
        self.session.changed()
        self.refresh_now()

    def _stop_playing(self) -> None:
        if self._player is not None:
            self._player.stop()
            self._player = None

    def _course_why(self) -> str:
        course = self.course
        if course is None:
            if self.session.training.running:
                return "this training records no course: set 'probe every' (--probe-every N) before s"
            return "no course recorded: set 'probe every' (--probe-every N) and train, or make such a run current (h)"
        return course.why_not or "no frame recorded yet"

    def _course_head(self) -> Text:
        course = self.course
        if course is None or course.index is None:
            return Text(" " + self._course_why(), style="yellow")
        frame = course.frames[course.index]
        report = frame.report
        text = Text(f" {course.source}: step {frame.step:,}", style="bold")
        text.append(f" (frame {course.index + 1}/{len(course.frames)}"
                    f"{', newest' if course.shown is None else ''})", style="dim")
        n, total = report.exact(held_out=False)
        text.append("\n trained exact ")
        text.append(f"{n}/{total}", style=RIGHT if n == total else WRONG)
        if report.exact(held_out=True)[1]:
            text.append("  held out ")
            for f, (k, tot) in report.field_accuracy(held_out=True).items():
                text.append(f"{f} ", style="dim")
                text.append(f"{k}/{tot} ", style=RIGHT if k == tot else WRONG)
        text.append("\n [ ] step  space replay  c loss chart", style="dim")
        return text

    def _sync_course(self) -> None:
        course = self.course
        grid = self.query_one("#course-grid", StateGrid)
        # The held-out states first: what a replay is watched for, and above the fold at 80x24.
        states = ()
        if course is not None and course.frames:
            held = set(course.held_out)
            states = tuple(sorted(course.system.all_states, key=lambda state: state not in held))
        grid.set_states(states)
        # Training moves the session several times a second: redraw the cells only for another frame.
        drawn = (id(course), course.index if course is not None else None, len(states))
        if drawn != self._drawn:
            self._drawn = drawn
            grid.redraw()
        self.query_one("#course-head", Static).update(self._course_head())

    def on_resize(self, event) -> None:
        # The grid has the width right of the form.
        self.query_one("#course-grid", StateGrid).fit(max(20, event.size.width - 34))

    def sync(self) -> None:
        s = self.session
        if self.query_one(ContentSwitcher).current == "course":
            self._sync_course()
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
