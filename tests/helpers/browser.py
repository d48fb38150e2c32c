"""`causal-tui serve` driven in a real headless browser (Debian's chromium,
through Playwright), and the screen each tab shows read back.

The page draws the terminal on a canvas (xterm.js with its WebGL or canvas
renderer), so its text is not in the DOM: what a tab shows is read by
replaying, in a terminal emulator (pyte), the bytes the page receives over
its websocket, at the size the page asked for."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

EXE = Path(sys.executable).parent / "causal-tui"
ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
INSTALL_HINT = ("the browser tests need chromium: `sudo apt-get install chromium` (Debian, Ubuntu) or "
                "`uv run playwright install chromium`")


def installed_chromium() -> str | None:
    """A chromium on this machine: the system's, else Playwright's own."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            path = p.chromium.executable_path
        return path if path and Path(path).exists() else None
    except Exception:
        return None


def find_or_install_chromium() -> str | None:
    """Chromium for the browser tests: the one installed, else Debian's package
    (where this runs as root with apt-get), else Playwright's download (where
    it can reach it). None where neither works (the caller says what to run)."""
    found = installed_chromium()
    if found:
        return found
    root = hasattr(os, "geteuid") and os.geteuid() == 0
    sudo = [] if root else ["sudo", "-n"] if shutil.which("sudo") else None
    if sudo is not None and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        try:
            subprocess.run([*sudo, "apt-get", "update", "-qq"], env=env, capture_output=True, timeout=600)
            subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "chromium"], env=env, capture_output=True,
                           timeout=1200)
        except (OSError, subprocess.TimeoutExpired):
            pass
        found = installed_chromium()
        if found:
            return found
    try:
        subprocess.run([sys.executable, "-m", "playwright", "install", "chromium"], capture_output=True,
                       timeout=600)
    except (OSError, subprocess.TimeoutExpired):
        pass
    return installed_chromium()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    """`causal-tui serve` on a free loopback port, in a process group of its own
    (the app processes it starts for each tab are in it too)."""

    def __init__(self, cwd: Path, *flags: str):
        self.port = free_port()
        self.process = subprocess.Popen([str(EXE), "serve", "--port", str(self.port), *flags], cwd=cwd,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        first = self.process.stdout.readline().decode()
        found = re.search(r"(http://\S+/\?token=(\S+))", first)
        assert found, f"serve did not print its URL: {first!r}"
        self.url, self.token = found.group(1), found.group(2)
        self.base = self.url.split("/?", 1)[0]
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection((urlsplit(self.url).hostname, self.port), timeout=0.5).close()
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
