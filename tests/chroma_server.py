"""A real Chroma server on 127.0.0.1 for the HTTP-backend tests.

Import the session-scoped fixture into a test module with
``from tests.chroma_server import chroma_server  # noqa: F401``; a test that stops or kills its
own server uses ``running_chroma(folder)`` (``.url``, ``.proc``).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _chroma_cli() -> str | None:
    beside_python = Path(sys.executable).parent / "chroma"
    return str(beside_python) if beside_python.exists() else shutil.which("chroma")


@dataclass
class ChromaServer:
    url: str
    proc: subprocess.Popen[bytes]
    data: Path  # the server's data folder


@contextmanager
def running_chroma(folder: Path, port: int | None = None) -> Iterator[ChromaServer]:
    """A `chroma run` server keeping its data in ``folder/data``, stopped on exit (if still up)."""
    cli = _chroma_cli()
    if cli is None:
        pytest.fail("the `chroma` CLI (installed with chromadb) is missing")
    port = port or _free_port()
    log = (folder / f"server-{port}.log").open("ab")
    env = dict(os.environ, ANONYMIZED_TELEMETRY="False")
    proc = subprocess.Popen(
        [cli, "run", "--path", str(folder / "data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"chroma server exited: {(folder / f'server-{port}.log').read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("chroma server did not answer within 60 s")
                time.sleep(0.2)
        yield ChromaServer(url, proc, folder / "data")
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a `chroma run` server with its own temporary data folder."""
    with running_chroma(tmp_path_factory.mktemp("chroma_server")) as server:
        yield server.url
