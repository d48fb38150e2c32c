"""The served dashboard's web server: textual-serve's, made to answer only
the user who started it (as Jupyter's server does).

- A random token per server start, in the URL it prints: the page (`/?token=`)
  and the websocket (`/ws/<token>`) refuse a request without it.
- The Host header must name this server (a loopback name, --host, or
  --public-url's host): a page that reaches loopback through DNS rebinding
  sends its own name and is refused.
- The websocket's Origin, which a browser always sends and a page cannot set,
  must be this server's own origin: a page from another origin, open in the
  same browser, cannot drive a tab even if it knew the token.
- A tab may ask for at most MAX_WIDTH x MAX_HEIGHT cells; at most --max-tabs
  tabs run at once (one more is told so in one line and closed).
- Each tab's app runs in a process group of its own; a closed tab, Ctrl+C and
  SIGTERM end its whole group.
- The page loads nothing from another host (its font is served from here).

See docs/security.md for what this promises and what it does not."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
import secrets
import signal
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.server import Server

log = logging.getLogger("causal-tui-serve")

MAX_WIDTH, MAX_HEIGHT = 500, 200
"""The largest terminal a tab may ask for (a 100000 x 100000 one took 8 GB)."""
STOP_GRACE_S = 5.0
"""How long a tab's app has to quit when asked, before its process group is killed."""
TEMPLATES = Path(__file__).parent / "templates"


def clamp_size(width, height) -> tuple[int, int]:
    """A terminal size from a client, as whole numbers between 1 and the caps."""

    def whole(value, default: int, top: int) -> int:
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = default
        return max(1, min(top, number))

    return whole(width, 80, MAX_WIDTH), whole(height, 24, MAX_HEIGHT)


class TabProcess(AppService):
    """One tab's app: its command run without a shell, in a process group of
    its own, ended as a whole."""

    def __init__(self, argv: list[str], **kwargs):
        super().__init__(" ".join(argv), **kwargs)
        self.argv = argv

    async def _open_app_process(self, width: int = 80, height: int = 24):
        self._process = process = await asyncio.create_subprocess_exec(
            *self.argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=self._build_environment(width=width, height=height),
            start_new_session=True)
        self._stdin = process.stdin
        return process

    def kill_group(self, sig: int = signal.SIGKILL) -> None:
        process = self._process
        if process is not None and process.returncode is None:
            try:
                os.killpg(process.pid, sig)
            except (ProcessLookupError, PermissionError):
                pass

    async def stop(self) -> None:
        """Ask the app to quit; end its process group where it does not in time."""
        if self._task is not None:
            try:
                await asyncio.wait_for(super().stop(), STOP_GRACE_S)
            except (asyncio.TimeoutError, Exception):
                self._task = None
        self.kill_group()


class GuardedServer(Server):
    """textual-serve's server with a token, Host and Origin checks, size and tab caps."""

    def __init__(self, argv: list[str], host: str, port: int, public_url: str, max_tabs: int, token: str,
                 title: str = "causal-tui"):
        super().__init__(" ".join(argv), host=host, port=port, title=title, public_url=public_url)
        self.argv, self.max_tabs, self.token = argv, max_tabs, token
        self.tabs: set[TabProcess] = set()
        self.allowed_hosts = allowed_hosts(host, port, public_url)
        self.allowed_origins = {f"{scheme}://{h}" for h in self.allowed_hosts for scheme in ("http", "https")}

    def initialize_logging(self) -> None:
        logging.basicConfig(level="WARNING", format="%(message)s")

    async def on_startup(self, app: web.Application) -> None:
        pass  # the command line printed the URL (with its token) already

    async def on_shutdown(self, app: web.Application) -> None:
        for tab in list(self.tabs):
            tab.kill_group(signal.SIGTERM)
        await asyncio.sleep(0.5)
        for tab in list(self.tabs):
            tab.kill_group(signal.SIGKILL)

    async def _make_app(self) -> web.Application:
        import aiohttp_jinja2
        import jinja2

        app = web.Application(middlewares=[self._guard])
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(str(TEMPLATES)))
        app.add_routes([
            web.get("/", self.handle_index, name="index"),
            web.get("/ws/{token}", self.handle_websocket, name="websocket"),
            web.static("/static", self.statics_path, show_index=False, name="static"),
        ])
        app.on_startup.append(self.on_startup)
        app.on_shutdown.append(self.on_shutdown)
        return app

    # -- the checks ---------------------------------------------------------------
    @web.middleware
    async def _guard(self, request: web.Request, handler):
        """Every request names this server in its Host header."""
        if request.host.lower() not in self.allowed_hosts:
            return web.Response(status=403, text="this server answers only to its own name\n")
        return await handler(request)

    def _token_ok(self, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(given.encode(), self.token.encode())

    async def handle_index(self, request: web.Request):
        import aiohttp_jinja2

        if not self._token_ok(request.query.get("token")):
            return web.Response(status=403, text="open the URL `causal-tui serve` printed: it carries the token\n")
        context = {"font_size": 16, "app_websocket_url": self._websocket_url(),
                   "config": {"static": {"url": f"{self.public_url}/static/"}},
                   "application": {"name": self.title}}
        response = aiohttp_jinja2.render_template("served.html", request, context)
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Content-Security-Policy"] = (
            f"default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
            f"connect-src 'self' {self._websocket_origin()}; img-src 'self' data:; font-src 'self'")
        return response

    def _websocket_url(self) -> str:
        url = f"{self.public_url}/ws/{self.token}"
        return ("wss:" if url.startswith("https") else "ws:") + url.split(":", 1)[1]

    def _websocket_origin(self) -> str:
        parts = urlsplit(self._websocket_url())
        return f"{parts.scheme}://{parts.netloc}"

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        origin = request.headers.get("Origin")
        if origin is not None and origin.lower() not in self.allowed_origins:
            raise web.HTTPForbidden(text="a page from another origin may not drive this dashboard\n")
        if not self._token_ok(request.match_info.get("token")):
            raise web.HTTPForbidden(text="wrong or missing token\n")
        websocket = web.WebSocketResponse(heartbeat=15, max_msg_size=1 << 20)
        await websocket.prepare(request)
        if len(self.tabs) >= self.max_tabs:
            line = (f"causal-tui serve: {self.max_tabs} tabs are open already (--max-tabs {self.max_tabs}): "
                    "close one, then reload this page\r\n")
            await websocket.send_bytes(line.encode())
            await websocket.close()
            return websocket
        width, height = clamp_size(request.query.get("width"), request.query.get("height"))
        tab = TabProcess(self.argv, write_bytes=websocket.send_bytes, write_str=websocket.send_str,
                         close=websocket.close, download_manager=self.download_manager, debug=False)
        self.tabs.add(tab)
        try:
            await tab.start(width, height)
            await self._process_messages(websocket, tab)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:  # one tab's trouble never ends the server
            log.warning(f"a tab ended: {type(error).__name__}: {error}")
        finally:
            await tab.stop()
            self.tabs.discard(tab)
        return websocket

    async def _process_messages(self, websocket: web.WebSocketResponse, tab: TabProcess) -> None:
        """The browser's messages; a malformed one is dropped, a size is clamped."""
        async for message in websocket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                envelope = json.loads(message.data)
                kind, data = envelope[0], envelope[1] if len(envelope) > 1 else None
            except (ValueError, TypeError, IndexError, KeyError):
                continue
            if kind == "stdin" and isinstance(data, str):
                await tab.send_bytes(data.encode("utf-8"))
            elif kind == "resize" and isinstance(data, dict):
                await tab.set_terminal_size(*clamp_size(data.get("width"), data.get("height")))
            elif kind == "ping":
                await websocket.send_json(["pong", data])
            elif kind == "blur":
                await tab.blur()
            elif kind == "focus":
                await tab.focus()


def allowed_hosts(host: str, port: int, public_url: str | None) -> set[str]:
    """The Host header values that name this server ('127.0.0.1:8000', 'localhost:8000', ...)."""
    names = {"127.0.0.1", "localhost", "[::1]"}
    names.add(f"[{host}]" if ":" in host else host)
    allowed = {f"{name}:{port}".lower() for name in names}
    if public_url:
        parts = urlsplit(public_url)
        if parts.netloc:
            allowed.add(parts.netloc.lower())
            if parts.port is None:
                allowed.add(parts.hostname.lower() if ":" not in (parts.hostname or "")
                            else f"[{parts.hostname}]")
    return allowed


def new_token() -> str:
    return secrets.token_urlsafe(24)
