"""What every screen shares: the status line, the footer, redraw on change."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer

from causal_tui.tui.session import Session
from causal_tui.tui.widgets.status_line import StatusLine

SYNC_INTERVAL_S = 0.25
"""Redraw at most four times a second, however fast training reports."""


class CausalScreen(Screen):
    def compose(self) -> ComposeResult:
        yield StatusLine(id="status")
        yield from self.body()
        yield Footer()

    def body(self) -> ComposeResult:
        yield from ()

    @property
    def session(self) -> Session:
        return self.app.session

    def on_mount(self) -> None:
        self._seen = -1
        self.set_interval(SYNC_INTERVAL_S, self._sync)
        self.call_after_refresh(self._sync)

    def on_screen_resume(self) -> None:
        self._seen = -1
        self._sync()

    def refresh_now(self) -> None:
        """Redraw at once after a key changed the session (the timer is for
        bursts of training events, not for the user's own keys)."""
        self._seen = -1
        self._sync()

    @property
    def up_to_date(self) -> bool:
        """Whether what is drawn reflects the session's latest change."""
        return self.is_mounted and getattr(self, "_seen", -1) == self.session.version

    def _sync(self) -> None:
        if self.session.version == self._seen or not self.is_current:
            return
        self._seen = self.session.version
        self.query_one(StatusLine).show(self.session)
        self.sync()

    def sync(self) -> None:
        """Redraw from the session; called only when it has changed."""
