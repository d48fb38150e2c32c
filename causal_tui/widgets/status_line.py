"""The line at the top of every screen: the dataset on disk and the current model."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from .. import data
from ..session import Session


def describe(session: Session) -> Text:
    text = Text()
    text.append(" dataset ", style="bold reverse")
    if session.dataset_error:
        text.append(" broken: see Dataset ", style="red")
    elif session.dataset is None:
        text.append(" none yet (g on Dataset) ", style="yellow")
    else:
        ds = session.dataset
        omitted = data.format_omit(ds.omitted) or "none"
        text.append(f" {ds.sizes['train']:,}/{ds.sizes['valid']:,}/{ds.sizes['test']:,}  omit {omitted} ")
    text.append(" model ", style="bold reverse")
    m = session.manifest
    if session.training:
        text.append(" training… ", style="cyan")
    elif m is None:
        text.append(" none yet (s on Train) ", style="yellow")
    else:
        omitted = ";".join(m.get("dataset", {}).get("omitted", [])) or "none"
        n, total = m.get("probe", {}).get("trained_exact", [0, 0])
        when = m.get("trained_at", "?").replace("T", " ")[:16]
        text.append(f" {when}  omit {omitted}  exact {n}/{total} ")
    return text


class StatusLine(Static):
    DEFAULT_CSS = """
    StatusLine { height: 1; width: 1fr; background: $panel; }
    """

    def show(self, session: Session) -> None:
        self.update(describe(session))
