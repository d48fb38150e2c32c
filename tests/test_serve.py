"""`causal-tui serve`: the dashboard in a real headless browser."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from causal_tui.cli.main import tui_main
from causal_tui.data import dataset as data
from causal_tui.store import model_folder
from causal_tui.systems.catalog import SEED
from causal_tui.systems.holdout import HeldOut
sys.path.insert(0, str(Path(__file__).parent / "helpers"))
from browser import ARGS, EXE, INSTALL_HINT, Served, Tab, find_or_install_chromium, free_port  # noqa: E402

# A dataset big enough that a training started from the browser is still running
# when the second tab asks for the lock.
LONG = {"train": 40_000, "valid": 64, "test": 16}
# Set to a folder (docs/pictures) to keep the screenshots for the README.
PICTURES = os.environ.get("CAUSAL_TUI_PICTURES")


@pytest.fixture(scope="session")
def chromium() -> str:
    """Chromium, found or installed here; where neither is possible, one line saying what to run."""
    found = find_or_install_chromium()
    if not found:
        pytest.fail(INSTALL_HINT, pytrace=False)
    return found


@pytest.fixture
def served_folder(workdir, trained):
    shutil.copytree(trained.final, model_folder.final_dir(workdir / "out"))
    data.write(data.generate(HeldOut.parse_list("1,0,1,0,1", SEED), seed=0, sizes=LONG), workdir / "dataset")
    return workdir


def test_the_served_dashboard_works_in_a_browser_and_a_second_tab_cannot_train(served_folder, tmp_path, chromium):
    from playwright.sync_api import sync_playwright

    server = Served(served_folder, "--n-embd", "32", "--n-layer", "1", "--n-head", "2")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=ARGS)
            first = Tab(browser, server.url)
            states = [SEED.format_state(s) for s in SEED.all_states]
            first.wait_for(lambda t: all(s in t for s in states) and "trained exact 31/31" in t,
                           what="the Probe screen's 32 states, probed")
            _picture(first, tmp_path / "served-probe.png")
            first.press("d")
            first.wait_for(lambda t: "g: write dataset/" in t, what="the Dataset screen")
            _picture(first, tmp_path / "served-dataset.png")

            first.press("t", "s")  # train from the first tab
            first.wait_for(lambda t: "step" in t and "training" in t.lower(), what="the training to run")
            second = Tab(browser, server.url)
            second.wait_for(lambda t: "exact" in t, what="the second tab's dashboard")
            second.press("t", "s")
            text = second.wait_for(lambda t: "is being written by" in t, what="the second tab's refusal")
            # The notice wraps in its box (each line behind a ▌): read it as one line.
            notice = " ".join(line.split("▌", 1)[1].strip() for line in text.splitlines() if "▌" in line)
            assert "dataset/ is being written by python -m causal_tui" in notice, notice
            assert "(pid " in notice, notice  # the holder, named
            browser.close()
    finally:
        code = server.stop()
        server.kill()
    assert code == 0


def _picture(tab, path: Path) -> None:
    tab.page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000  # a drawn page, not a blank one
    if PICTURES:
        Path(PICTURES).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(PICTURES) / path.name)


def test_serving_beyond_loopback_needs_allow_remote_and_bad_addresses_are_one_line(workdir, capsys):
    assert tui_main(["serve", "--host", "0.0.0.0"]) == 2
    err = capsys.readouterr().err
    assert "--host 0.0.0.0 is reachable from other machines" in err and "--allow-remote" in err
    assert "ssh -L 8000:localhost:8000" in err and len(err.strip().splitlines()) == 1
    assert tui_main(["serve", "--host", "nosuch.invalid"]) == 2
    assert "--host nosuch.invalid: no such address" in capsys.readouterr().err
    assert tui_main(["serve", "--allow-remote"]) == 2
    assert "127.0.0.1 is loopback" in capsys.readouterr().err
    assert tui_main(["serve", "--holdout", "1,0,1"]) == 2  # a dashboard flag is checked before serving
    assert "has 3 values" in capsys.readouterr().err


def test_a_port_in_use_is_one_line_and_exit_2(workdir):
    import socket

    port = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        r = subprocess.run([str(EXE), "serve", "--port", str(port)], cwd=workdir, capture_output=True, text=True,
                           timeout=60)
    assert r.returncode == 2
    assert r.stderr.strip() == f"error: cannot serve on 127.0.0.1:{port}: the port is in use"


# -- only its user can drive it ----------------------------------------------------------
def _get(url: str, host: str | None = None) -> int:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as e:
        return e.code


def test_the_page_needs_the_token_and_its_own_host_name(workdir):
    server = Served(workdir)
    try:
        assert _get(server.url) == 200
        assert _get(server.base + "/") == 403  # no token
        assert _get(server.base + "/?token=" + "x" * len(server.token)) == 403  # a wrong one
        assert _get(server.url, host=f"rebound.example:{server.port}") == 403  # DNS rebinding: another name
        assert _get(server.url, host=f"localhost:{server.port}") == 200
        page = _page(server.url)
        assert "googleapis" not in page and "https://" not in page  # nothing from another host
        assert f"/ws/{server.token}" in page
    finally:
        server.stop()


def _page(url: str) -> str:
    import urllib.request

    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read().decode()


def test_a_page_from_another_origin_cannot_drive_the_dashboard(workdir, chromium):
    """In real chromium: a page served from another origin (another port of
    loopback), knowing even the token, cannot open the dashboard's websocket;
    nor can a page of the right origin with a wrong token. The right page can."""
    import http.server
    import threading

    from playwright.sync_api import sync_playwright

    server = Served(workdir)
    other_port = free_port()
    attack = f"""<html><body><script>
      window.result = "pending";
      const ws = new WebSocket("ws://127.0.0.1:{server.port}/ws/{server.token}?width=80&height=24");
      ws.onopen = () => {{ window.result = "open"; ws.send(JSON.stringify(["stdin", "h"])); }};
      ws.onerror = () => {{ window.result = "refused"; }};
      ws.onclose = () => {{ if (window.result === "pending") window.result = "refused"; }};
    </script></body></html>"""

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(attack.encode())

        def log_message(self, *args):
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", other_port), Page)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=ARGS)
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{other_port}/")
            page.wait_for_function("window.result !== 'pending'", timeout=30_000)
            assert page.evaluate("window.result") == "refused"
            # The dashboard's own page, with a wrong token in the socket's path: refused too.
            own = browser.new_page()
            own.goto(server.url, wait_until="domcontentloaded")
            verdict = own.evaluate(f"""() => new Promise(done => {{
                const ws = new WebSocket("ws://127.0.0.1:{server.port}/ws/wrong?width=80&height=24");
                ws.onopen = () => done("open"); ws.onerror = () => done("refused"); }})""")
            assert verdict == "refused"
            right = own.evaluate(f"""() => new Promise(done => {{
                const ws = new WebSocket("ws://127.0.0.1:{server.port}/ws/{server.token}?width=80&height=24");
                ws.onopen = () => {{ done("open"); ws.close(); }}; ws.onerror = () => done("refused"); }})""")
            assert right == "open"
            browser.close()
    finally:
        httpd.shutdown()
        server.stop()


def test_a_huge_terminal_is_capped_and_tabs_are_counted(workdir):
    """A 20000x20000 resize leaves the tab's app under the cap; one tab more
    than --max-tabs is told so in one line and closed; Ctrl+C ends everything."""
    import asyncio

    import aiohttp
    import psutil

    from causal_tui.cli.served import MAX_HEIGHT, MAX_WIDTH, clamp_size

    assert clamp_size(20000, 20000) == (MAX_WIDTH, MAX_HEIGHT) and clamp_size("x", -5) == (80, 1)
    server = Served(workdir, "--max-tabs", "1")
    origin = f"http://127.0.0.1:{server.port}"

    async def drive():
        async with aiohttp.ClientSession() as session:
            url = f"ws://127.0.0.1:{server.port}/ws/{server.token}?width=100000&height=100000"
            async with session.ws_connect(url, headers={"Origin": origin}) as first:
                await first.send_str(json.dumps(["resize", {"width": 20000, "height": 20000}]))
                await first.send_str("not json at all")  # dropped, not fatal
                received = b""
                while b"Probe" not in received and b"no model" not in received:
                    message = await asyncio.wait_for(first.receive(), 120)
                    if message.type == aiohttp.WSMsgType.BINARY:
                        received += message.data
                apps = [c for c in psutil.Process(server.process.pid).children(recursive=True)
                        if "causal_tui" in " ".join(c.cmdline())]
                assert apps, "the tab's app runs"
                assert max(a.memory_info().rss for a in apps) < 2 * 2**30
                async with session.ws_connect(url, headers={"Origin": origin}) as second:
                    message = await asyncio.wait_for(second.receive(), 30)
                    assert b"1 tabs are open already (--max-tabs 1)" in message.data
                    closing = await asyncio.wait_for(second.receive(), 30)
                    assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED,
                                            aiohttp.WSMsgType.CLOSING)
                return [a.pid for a in apps]

    try:
        pids = asyncio.run(drive())
    finally:
        assert server.stop() == 0  # and every process of its group is gone (Served.stop checks)
    assert not any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE for pid in pids)


def test_serving_on_ipv6_loopback_gives_a_url_that_works(workdir):
    import socket

    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:  # no IPv6 loopback here: refused in one line instead
        r = subprocess.run([str(EXE), "serve", "--host", "::1"], cwd=workdir, capture_output=True, text=True,
                           timeout=60)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "::1" in r.stderr
        return
    server = Served(workdir, "--host", "::1")
    try:
        assert server.url.startswith(f"http://[::1]:{server.port}/?token=")
        page = _page(server.url)
        assert f"http://[::1]:{server.port}/static/js/textual.js" in page
        assert f"ws://[::1]:{server.port}/ws/{server.token}" in page
    finally:
        server.stop()
