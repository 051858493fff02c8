"""Test helper: the ``agent serve`` app on a real uvicorn server in a thread, on a free port.

For tests that drive the app over HTTP (httpx, Chromium) with an ``Agent`` they set up
themselves (a real index, a fake chat model). The subprocess form, with the real model, is
started by the tests that need it (``agent serve --port 0``).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import uvicorn

from agent.serve.app import Server, create_app
from agent.serve.guard import Guard


@dataclass
class RunningApp:
    url: str  # ends with "/"
    port: int
    server: Server  # the app's state: its agent and model worker
    guard: Guard


@contextlib.contextmanager
def running_app(agent: Any, *, host: str = "127.0.0.1", warm: bool = False) -> Iterator[RunningApp]:
    """``create_app(agent)`` served on ``host`` and a free port until the block ends."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((host, 0))
    sock.listen(16)
    port = int(sock.getsockname()[1])
    guard = Guard.for_bind(host, port)
    url = f"http://{host}:{port}/"
    app = create_app(agent, guard, url, warm=warm)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on",
                            timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the app did not start")
        time.sleep(0.02)
    try:
        yield RunningApp(url, port, app.state.server, guard)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
