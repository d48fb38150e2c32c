"""`causal-tui serve`: the dashboard in a browser, through textual-serve.

Each browser tab starts its own `causal-tui` process with the dashboard's
flags given here; the one-writer locks decide between tabs as between
terminals. Only the user who started it can drive it: a token in the URL it
prints, Host and Origin checked (see served.py and docs/security.md).
Loopback only, unless --allow-remote says otherwise (and then a warning)."""

from __future__ import annotations

import ipaddress
import socket
import sys

from causal_tui.errors import UserError

REMOTE_WARNING = ("warning: serving on {host}: anyone who reaches port {port} and learns the URL's token can "
                  "train, delete runs and read the files this app can read, and the token travels unencrypted "
                  "over http (an SSH tunnel is safer: ssh -L {port}:localhost:{port} HOST)")
MAX_TABS = 4


def main(args, dashboard_flags: list[str]) -> int:
    try:
        from causal_tui.cli.served import GuardedServer, new_token
    except ImportError:
        raise UserError("serve needs textual-serve: uv sync --extra serve (or pip install 'causal-tui[serve]')") \
            from None
    addresses = _addresses(args.host, args.port)
    if not all(_loopback(a) for a in addresses):
        if not args.allow_remote:
            raise UserError(f"--host {args.host} is reachable from other machines and the served dashboard has no "
                            "authentication: add --allow-remote to serve it anyway, or use an SSH tunnel "
                            f"(ssh -L {args.port}:localhost:{args.port} HOST)")
        print(REMOTE_WARNING.format(host=args.host, port=args.port), file=sys.stderr)
    elif args.allow_remote:
        raise UserError(f"--allow-remote applies to a --host other machines can reach; {args.host} is loopback")
    if not 1 <= args.max_tabs <= 64:
        raise UserError(f"--max-tabs {args.max_tabs}: give 1 to 64 (each tab is an app of about 1 GB)")
    public_url = _public_url(args.public_url, args.host, args.port)
    _check_free(addresses, args.host, args.port)
    argv = [sys.executable, "-m", "causal_tui", *dashboard_flags]
    token = new_token()
    print(f"causal-tui dashboard at {public_url}/?token={token}\n(open that URL: the token is what lets you in; "
          f"each browser tab is its own app, {args.max_tabs} at most; Ctrl+C stops)", flush=True)
    server = GuardedServer(argv, host=args.host, port=args.port, public_url=public_url, max_tabs=args.max_tabs,
                           token=token)
    try:
        server.serve()
    except OSError as e:  # the port was taken between the check and the bind
        raise UserError(f"cannot serve on {args.host}:{args.port}: {e.strerror or e}") from None
    return 0


def _addresses(host: str, port: int) -> list[str]:
    if not 0 < port < 65536:
        raise UserError(f"--port {port}: a port is 1 to 65535")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as e:
        raise UserError(f"--host {host}: no such address ({getattr(e, 'strerror', None) or e})") from None
    return sorted({info[4][0] for info in infos})


def _loopback(address: str) -> bool:
    return ipaddress.ip_address(address.split("%")[0]).is_loopback


def _check_free(addresses: list[str], host: str, port: int) -> None:
    """One line, before the server starts, where the port cannot be bound."""
    for address in addresses:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((address, port))
            except OSError as e:
                why = "in use" if e.errno in (98, 48) else (e.strerror or str(e))
                raise UserError(f"cannot serve on {host}:{port}: the port is {why}" if why == "in use"
                                else f"cannot serve on {host}:{port}: {why}") from None


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _public_url(given: str | None, host: str, port: int) -> str:
    """The URL browsers reach the server by, without a trailing slash; UserError where --public-url is not one."""
    if given is None:
        return f"http://{_url_host(host)}:{port}"
    from urllib.parse import urlsplit

    parts = urlsplit(given)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise UserError(f"--public-url {given}: give the URL browsers reach it by, e.g. https://example.org:8443")
    return given.rstrip("/")
