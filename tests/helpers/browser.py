"""`causal-tui serve` driven in a real headless browser (Debian's chromium,
through Playwright), and the screen each tab shows read back.

The page draws the terminal on a canvas (xterm.js with its WebGL or canvas
renderer), so its text is not in the DOM: what a tab shows is read by
replaying, in a terminal emulator (pyte), the bytes the page receives over
its websocket, at the size the page asked for."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

EXE = Path(sys.executable).parent / "causal-tui"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    """`causal-tui serve` on a free loopback port, in a process group of its own
    (the app processes it starts for each tab are in it too)."""

    def __init__(self, cwd: Path, *flags: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.process = subprocess.Popen([str(EXE), "serve", "--port", str(self.port), *flags], cwd=cwd,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"serve did not start: {self.process.stdout.read().decode()}")
                time.sleep(0.1)

    def stop(self, timeout: float = 30.0) -> int:
        """Ctrl+C to the server, as a user stops it; then every process it started must be gone."""
        os.kill(self.process.pid, signal.SIGINT)
        code = self.process.wait(timeout)
        deadline = time.monotonic() + timeout
        while group_alive(self.process.pid):
            if time.monotonic() > deadline:
                os.killpg(self.process.pid, signal.SIGKILL)
                raise AssertionError("processes of the served dashboard were left behind")
            time.sleep(0.1)
        return code

    def kill(self) -> None:
        if group_alive(self.process.pid):
            os.killpg(self.process.pid, signal.SIGKILL)


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


class Tab:
    """One browser tab on the served dashboard, and the screen it shows."""

    def __init__(self, browser, url: str, width: int = 1280, height: int = 800):
        import pyte

        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.screen = pyte.Screen(80, 24)
        self.stream = pyte.ByteStream(self.screen)
        self.page.on("websocket", self._watch)
        # Fonts come from the web in textual-serve's page: offline, do not wait for them.
        self.page.goto(url, wait_until="domcontentloaded")

    def _watch(self, ws) -> None:
        ws.on("framesent", self._sent)
        ws.on("framereceived", self._received)

    def _sent(self, payload) -> None:
        try:
            kind, data = json.loads(payload)
        except (TypeError, ValueError):
            return
        if kind == "resize":
            self.screen.resize(data["height"], data["width"])

    def _received(self, payload) -> None:
        if isinstance(payload, bytes):
            self.stream.feed(payload)

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def wait_for(self, condition, timeout: float = 120.0, what: str = "the screen") -> str:
        """Let the page run until condition(screen text) holds; the text."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.text()
            if condition(text):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; the tab shows:\n{text}")
            self.page.wait_for_timeout(100)

    def press(self, *keys: str) -> None:
        # The terminal takes keys through its hidden textarea (a click would reach the app as a mouse click).
        self.page.locator(".xterm-helper-textarea").focus()
        for key in keys:
            self.page.keyboard.press(key)
