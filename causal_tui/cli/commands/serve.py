"""`causal-tui serve`: the dashboard in a browser, through textual-serve.

Each browser tab starts its own `causal-tui` process with the dashboard's
flags given here; the one-writer locks decide between tabs as between
terminals. textual-serve has no authentication: loopback only, unless
--allow-remote says otherwise (and then a warning)."""

from __future__ import annotations

import ipaddress
import shlex
import socket
import sys

from causal_tui.errors import UserError

REMOTE_WARNING = ("warning: serving on {host} with no authentication: anyone who reaches port {port} can train, "
                  "delete runs and read the files this app can read (an SSH tunnel is safer: "
                  "ssh -L {port}:localhost:{port} HOST)")


def run(args, dashboard_flags: list[str]) -> int:
    try:
        from textual_serve.server import Server
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
    _check_free(addresses, args.host, args.port)
    command = shlex.join([sys.executable, "-m", "causal_tui", *dashboard_flags])
    url = args.public_url or f"http://{_url_host(args.host)}:{args.port}"
    print(f"causal-tui dashboard at {url} (each browser tab is its own app; Ctrl+C stops)", flush=True)
    server = Server(command, host=args.host, port=args.port, title="causal-tui", public_url=args.public_url)
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
