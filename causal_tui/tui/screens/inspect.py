"""Inspect screen: look inside the current model at the state under the Probe
cursor: do() on its own answers, its input-output graph, attention, logit
lens, causal tracing, and where it holds each intermediate variable
(interchange interventions; one tab each)."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static, TabbedContent, TabPane

from causal_tui.interpret import views
from causal_tui.report.inspect_tables import RENDER
from causal_tui.tui.screens.base import CausalScreen


class InspectScreen(CausalScreen):
    BINDINGS = [
        Binding("f", "next_field", "Field", id="next-field"),
        Binding("v", "next_flip", "Flip input", id="next-flip"),
        Binding("r", "app.inspect", "Recompute", id="reinspect"),
        Binding("left", "previous_tab", "Tab", show=False),
        Binding("right", "next_tab", "Tab", show=False),
    ]

    def body(self) -> ComposeResult:
        yield Static(id="inspect-head")
        with TabbedContent(id="inspect-tabs"):
            for view in views.VIEWS:
                with TabPane(view.title, id=f"tab-{view.key}"):
                    with VerticalScroll():
                        yield Static(id=f"inspect-{view.key}")

    def on_mount(self) -> None:
        super().on_mount()
        self.set_focus(self.query_one(TabbedContent).query_one("Tabs"))
        # While the interchange runs in the helper process, its progress line is read twice a second.
        self.set_interval(0.5, self._show_iia_progress)

    def _show_iia_progress(self) -> None:
        if self.session.inspect.iia_busy:
            for view in views.of_scope("variables"):
                self.query_one(f"#inspect-{view.key}", Static).update(self._iia(view))

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        # The interchange report costs seconds: computed when its tab is first opened.
        if event.pane.id in {f"tab-{v.key}" for v in views.of_scope("variables")}:
            self.app.action_iia()

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        s = self.session
        if s.inspect.stale_for(s.system_of_inspection) and not s.inspect.busy:
            self.app.action_inspect()

    def _cycle(self, items, current: str, step: int = 1) -> str:
        items = list(items)
        return items[(items.index(current) + step) % len(items)] if current in items else items[0]

    def action_next_field(self) -> None:
        s = self.session
        system = s.system_of_inspection
        s.inspect.field = self._cycle(system.fields, s.inspect.field)
        s.inspect.flip = None  # the default for the new field
        self.app.action_inspect()

    def action_next_flip(self) -> None:
        s = self.session
        s.inspect.flip = self._cycle(s.system_of_inspection.inputs, s.inspect.flip or "")
        self.app.action_inspect()

    def _tab_step(self, step: int) -> None:
        tabs = self.query_one(TabbedContent)
        keys = [f"tab-{v.key}" for v in views.VIEWS]
        tabs.active = keys[(keys.index(tabs.active) + step) % len(keys)]

    def action_next_tab(self) -> None:
        self._tab_step(1)

    def action_previous_tab(self) -> None:
        self._tab_step(-1)

    def sync(self) -> None:
        s = self.session
        system = s.system_of_inspection
        head = Text()
        if s.model.manifest is None:
            head.append(" no model yet: train one first (t, then s)", style="yellow")
        else:
            head.append(f" {system.format_state(s.inspect.state)}", style="bold")
            head.append(" (from the Probe cursor)  ", style="dim")
            head.append(f"field {s.inspect.field or '?'}", style="bold")
            head.append(" (f)  ", style="dim")
            head.append(f"flip {s.inspect.flip or '?'}", style="bold")
            head.append(" (v)  ←/→ tabs", style="dim")
            if s.inspect.busy:
                head.append("  inspecting…", style="cyan")
        self.query_one("#inspect-head", Static).update(head)
        for view in views.of_scope("variables"):
            self.query_one(f"#inspect-{view.key}", Static).update(self._iia(view))
        report = s.inspect.report
        per_state = [v for v in views.VIEWS if v.scope != "variables"]
        if report is None:
            for view in per_state:
                self.query_one(f"#inspect-{view.key}", Static).update(
                    Text(s.inspect.error or ("inspecting…" if s.inspect.busy else ""), style="dim"))
            return
        # What the report holds (a newer choice of field shows when its report arrives).
        field, flip = report["field"], report["flip"]
        for view in per_state:
            if view.key == "spectrum" and s.model.report is not None and s.model.report.system == system:
                report = {**report, "spectrum": s.model.spectrum()}  # from the probe on screen: no model needed
            parts = RENDER[view.key](report, system, field, flip)
            self.query_one(f"#inspect-{view.key}", Static).update(parts[0] if len(parts) == 1 else Group(*parts))

    def _iia(self, view):
        inspect = self.session.inspect
        if inspect.iia_busy:
            line = (inspect.iia_progress() or "starting").removeprefix("interchange: ")
            return Text(f"interchange interventions, every pair of states at every site: {line}…", style="cyan")
        if inspect.iia_error:
            return Text(inspect.iia_error, style="yellow")
        if inspect.iia is None:
            return Text("open this tab to compute where the model holds each intermediate variable", style="dim")
        if not inspect.iia:
            return Text("this system has no intermediate variable (an equation output a later equation reads)",
                        style="dim")
        parts = []
        for part in RENDER[view.key]({"iia": inspect.iia}, self.session.system_of_inspection, None, None):
            parts += [part, Text("")]
        return Group(*parts)
