"""The system editor: the system's TOML in a text area, checked as you type,
with the bundled systems to start from. ctrl+s applies, esc leaves."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from causal_tui.systems import catalog, reader
from causal_tui.systems.system import System

TEMPLATE = '''name = "custom"
description = ""
inputs = ["A", "B", "C"]
equations = [
  "x = A XOR B",
  "y = x AND C",
]
sums = [
  "ones = A + B + C",
]
'''


class SystemEditor(ModalScreen[System | None]):
    """Returns the checked System on ctrl+s, None on esc."""

    BINDINGS = [
        Binding("ctrl+s", "apply", "Apply", id="apply", priority=True),
        Binding("escape", "cancel", "Cancel", id="cancel"),
    ]
    DEFAULT_CSS = """
    SystemEditor { align: center middle; background: $background; }
    #editor-box { width: 100%; height: 100%; border: round $accent; padding: 0 1; }
    #editor-help { height: 1; color: $text-muted; }
    #editor-main { height: 1fr; }
    #editor-text { width: 1fr; height: 1fr; }
    #editor-bundled { width: 22; height: 1fr; margin-left: 1; }
    #editor-status { height: auto; max-height: 3; }
    """

    def __init__(self, system: System):
        super().__init__()
        self.start = system
        self.checked: System | None = system

    def compose(self) -> ComposeResult:
        with Vertical(id="editor-box"):
            yield Static("ctrl+s apply (next regeneration)  esc leave  tab bundled list  f7 select all",
                         id="editor-help")
            with Horizontal(id="editor-main"):
                yield TextArea(self.start.source or TEMPLATE, id="editor-text", show_line_numbers=True,
                               tab_behavior="focus")
                yield OptionList(*(Option(name, id=name) for name in catalog.bundled_names()),
                                 id="editor-bundled")
            yield Static(id="editor-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#editor-bundled", OptionList).border_title = "bundled"
        self.set_focus(self.query_one(TextArea))
        self.check(self.query_one(TextArea).text)

    def check(self, text: str) -> None:
        """Parse the text and say what it is, or where it goes wrong."""
        status = self.query_one("#editor-status", Static)
        try:
            system = reader.parse(text, "editor")
        except reader.SystemFileError as e:
            self.checked = None
            where = f"line {e.line}, column {e.column}: " if e.line else ""
            message = str(e).removeprefix("editor: ")
            status.update(Text(f"✗ {where}{message}", style="red"))
            return
        self.checked = system
        n = len(system.inputs)
        counts = f"{n} input{'s' * (n != 1)} ({2 ** n} states), " + ", ".join(
            f"{k} {what}{'s' * (k != 1)}" for k, what in ((len(system.equations), "equation"), (len(system.sums), "sum")))
        status.update(Text(f"✓ {system.name}: {counts}; fields {', '.join(system.fields)}", style="green"))

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self.check(event.text_area.text)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        system = catalog.bundled(event.option.id)
        area = self.query_one(TextArea)
        area.text = system.source
        self.check(area.text)
        self.set_focus(area)

    def action_apply(self) -> None:
        if self.checked is None:
            self.notify("the system has an error (see the line under the text): fix it first", severity="warning")
            return
        if self.app.session.training.running:
            self.notify("training is running: apply the system after it ends", severity="warning")
            return
        self.dismiss(self.checked)

    def action_cancel(self) -> None:
        self.dismiss(None)
