"""The line at the top of every screen: the dataset on disk and the current model."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from causal_tui.tui.session import Session


def _omit_text(omitted: list[str], compact: bool) -> str:
    if not omitted:
        return "none"
    if compact and len(omitted) > 1:
        return f"{len(omitted)} states"
    return ";".join(omitted)


def _size(n: int, compact: bool) -> str:
    return f"{n // 1000}k" if compact and n and n % 1000 == 0 else f"{n:,}"


def describe(session: Session, compact: bool = False) -> Text:
    """The full line, or with compact=True one that fits 80 columns for the usual cases."""
    gap = " " if compact else "  "
    text = Text()
    text.append(" dataset ", style="bold reverse")
    data_omitted = None
    if session.data.error:
        text.append(" broken: see Dataset ", style="red")
    elif session.data.dataset is None:
        text.append(" none yet (g on Dataset) ", style="yellow")
    else:
        ds = session.data.dataset
        data_omitted = ds.omitted.labels()
        sizes = "/".join(_size(ds.sizes[split], compact) for split in ("train", "valid", "test"))
        text.append(f" {sizes}{gap}omit {_omit_text(data_omitted, compact)} ")
    text.append(" model ", style="bold reverse")
    m = session.model.manifest
    if session.training.running:
        text.append(" training… ", style="cyan")
    elif m is None:
        text.append(" none yet (s on Train) ", style="yellow")
    else:
        omitted = list(m.get("dataset", {}).get("omitted", []))
        n, total = m.get("probe", {}).get("trained_exact", [0, 0])
        when = m.get("trained_at", "?").replace("T", " ")[:16]
        if compact:
            when = when[5:]  # the year rarely matters on a status line
            same = data_omitted is not None and sorted(omitted) == sorted(data_omitted)
            omit = "same omit" if same else f"omit {_omit_text(omitted, compact)}"
        else:
            omit = f"omit {_omit_text(omitted, compact)}"
        text.append(f" {when}{gap}{omit}{gap}")
        text.append(f"exact {n}/{total} ", style="green" if n == total else "red")
    return text


class StatusLine(Static):
    DEFAULT_CSS = """
    StatusLine { height: 1; width: 1fr; background: $panel; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    _session: Session | None = None

    def show(self, session: Session) -> None:
        self._session = session
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        if self._session is None:
            return
        text = describe(self._session)
        if self.size.width and text.cell_len > self.size.width:
            text = describe(self._session, compact=True)
        self.update(text)
