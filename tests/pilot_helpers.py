"""Waiting for the dashboard's state instead of for fixed pauses."""

from __future__ import annotations

import time

from textual import events
from textual.worker import WorkerState


async def wait_for(pilot, condition, timeout=120.0, what="the condition"):
    """Let the app run until `condition()` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


async def settled(pilot, timeout=120.0):
    """Until no worker runs, no probe is pending and the screen shows the
    session's latest state; then until scheduled animations are done."""
    app = pilot.app

    def calm() -> bool:
        screen = app.screen
        return (not app.session.model.probing and not any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in app.workers)
                and getattr(screen, "up_to_date", True))

    await wait_for(pilot, calm, timeout, "the dashboard to settle")
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


async def press_at_once(pilot, *keys: str):
    """Send keys the way a fast typist or `tmux send-keys` does: all queued
    before the app has handled the first."""
    app = pilot.app
    for key in keys:
        char = " " if key == "space" else key if len(key) == 1 else None
        event = events.Key(key, char)
        event.set_sender(app)
        app._driver.send_message(event)
    await pilot.pause()


def text_of(static) -> str:
    """What a Static shows, as plain text (rich tables included)."""
    from io import StringIO

    from rich.console import Console

    content = static.content
    if isinstance(content, str):
        return content
    console = Console(file=StringIO(), width=200, color_system=None)
    console.print(content)
    return console.file.getvalue()


def screen_lines(app) -> list[str]:
    """The screen as the terminal shows it, line by line (plain text): what
    a user reads, clipping included."""
    return ["".join(segment.text for segment in strip) for strip in app.screen._compositor.render_strips()]
