"""``agent serve``: the local web app (agent/serve/app.py) on one port, until Ctrl-C.

The socket is bound here, before the app starts, so a port in use is one red line and
``--port 0`` can pick a free port whose URL the start line shows. That line is the only output
(uvicorn logs warnings only); it carries the token when the bind is not loopback, and only it.
Ctrl-C stops the model's current job at its next token, so the server ends in a second or two.
"""

from __future__ import annotations

import contextlib
import socket
from types import FrameType
from typing import Annotated

import typer

from agent.cli.common import console, make_agent, run
from agent.errors import ConfigError


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (0: a free port); a clear error when it cannot be had."""
    try:
        infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ConfigError(f"--host {host!r} is not an address of this machine ({exc.strerror})") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise ConfigError(
            f"cannot listen on {host}:{port} ({exc.strerror}); "
            "choose another port with --port, or --port 0 for any free one"
        ) from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def serve(
    ctx: typer.Context,
    host: Annotated[
        str,
        typer.Option("--host", help="Address to listen on; anything but loopback needs the printed token."),
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", "-p", min=0, max=65535, help="Port; 0 picks a free one.")
    ] = 8000,
) -> None:
    """A local web app: ask (the answer streams in), browse the articles, make briefings.

    Every [n] in an answer or briefing opens the cited article with the quoted sentences
    highlighted. It listens on 127.0.0.1 only unless --host says otherwise; then it prints a
    token, once, that the browser must present. One model is loaded; questions wait in line.

    Examples:

      agent serve

      agent serve --port 8080

      agent serve --host 0.0.0.0      # reachable from the network: open the URL with its token
    """
    import uvicorn

    from agent.serve.app import create_app
    from agent.serve.guard import Guard

    agent = make_agent(ctx)
    run(agent.stats)  # a missing or unreadable index: one red line now, not on the first page
    sock = run(lambda: _bind(host, port))
    bound_port = int(sock.getsockname()[1])
    guard = Guard.for_bind(host, bound_port)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{bound_port}/"
    app = create_app(agent, guard, url)
    line = f"newsagent: serving {url}"
    if guard.token is not None:
        line += f"?token={guard.token}  (the token is shown only now; plain HTTP: a trusted network only)"
    console.print(f"{line}  Ctrl-C stops.", highlight=False, soft_wrap=True)
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, proxy_headers=False, server_header=False,
        timeout_graceful_shutdown=5, lifespan="on",
    )
    worker = app.state.server.worker

    class Server(uvicorn.Server):
        """Ctrl-C first stops the model's work, so open pages end at once with a note instead
        of being cut off when the grace period is over."""

        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            worker.stop()
            super().handle_exit(sig, frame)

    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises the Ctrl-C it handled
        Server(config).run(sockets=[sock])
    console.print("newsagent: stopped.", highlight=False)
