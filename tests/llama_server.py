"""Test helpers: a real OpenAI-compatible server (llama.cpp's) and tiny misbehaving ones.

Everything listens on 127.0.0.1 only, on a free port, and is stopped by its context
manager. Used by tests/test_models_openai.py; other test modules may import it too
(e.g. an embedder test against ``/v1/embeddings``).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
from platformdirs import user_cache_dir

from agent.models import cpu_backend
from agent.models.registry import ensure_model
from agent.settings import Settings

FAST_MODEL = "qwen2.5-0.5b"


def model_cache_dir() -> Path:
    """Where tests assemble real models: the normal user cache, so runs share one copy.

    ``NEWSAGENT_TEST_CACHE_DIR`` overrides it (e.g. for a read-only home).
    """
    return Path(os.environ.get("NEWSAGENT_TEST_CACHE_DIR") or user_cache_dir("newsagent"))


def fast_model_path() -> Path:
    """The assembled 0.5B GGUF (assembled on first use, ~4 s; verified cheaply after)."""
    return ensure_model(Settings(cache_dir=model_cache_dir()), FAST_MODEL)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LlamaServer:
    """A running ``python -m llama_cpp.server``."""

    base_url: str  # ends with /v1
    api_key: str
    model: str
    proc: subprocess.Popen[bytes]
    log_path: Path


@contextlib.contextmanager
def llama_server(
    model_path: Path,
    log_dir: Path,
    *,
    api_key: str = "test-key-5f1c9b2a7d",
    n_ctx: int = 2048,
    threads: int = 2,
    startup_timeout: float = 180.0,
) -> Iterator[LlamaServer]:
    """Start llama.cpp's OpenAI-compatible server and wait until ``/v1/models`` answers."""
    port = free_port()
    log_path = log_dir / f"llama_server_{port}.log"
    cmd = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(model_path),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        str(n_ctx),
        "--n_threads",
        str(threads),
        "--embedding",
        "True",
        "--api_key",
        api_key,
        "--verbose",
        "False",
    ]
    base_url = f"http://127.0.0.1:{port}/v1"
    cpu_backend.activate()  # the server inherits GGML_BACKEND_PATH: its CPU backend
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + startup_timeout
        model_id = ""
        while True:
            if proc.poll() is not None:
                tail = log_path.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"llama_cpp.server exited with {proc.returncode}:\n{tail}")
            try:
                r = httpx.get(
                    f"{base_url}/models",
                    headers={"Authorization": f"Bearer {api_key}"},
                    timeout=2.0,
                )
                if r.status_code == 200:
                    model_id = r.json()["data"][0]["id"]
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"llama_cpp.server did not answer within {startup_timeout}s")
            time.sleep(0.5)
        yield LlamaServer(base_url=base_url, api_key=api_key, model=model_id, proc=proc, log_path=log_path)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


@dataclass
class StubServer:
    """A tiny HTTP server that answers every request the same bad way, counting them."""

    base_url: str
    requests: list[str]


@contextlib.contextmanager
def stub_server(
    *, status: int = 500, delay: float = 0.0, max_delay_total: float = 30.0
) -> Iterator[StubServer]:
    """Answer every request with ``status`` (after sleeping ``delay`` seconds).

    Sleeps are bounded by ``max_delay_total`` so a test can never hang on it.
    """
    seen: list[str] = []
    budget = {"left": max_delay_total}

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            seen.append(f"{self.command} {self.path}")
            pause = min(delay, max(0.0, budget["left"]))
            budget["left"] -= pause
            if pause:
                time.sleep(pause)
            body = json.dumps({"error": {"message": f"stub says {status}", "type": "server_error"}})
            data = body.encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)

        do_GET = _answer
        do_POST = _answer

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield StubServer(base_url=f"http://127.0.0.1:{server.server_address[1]}/v1", requests=seen)
    finally:
        server.shutdown()
        server.server_close()
