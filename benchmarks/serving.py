"""What the HTTP benchmarks share: a free loopback port, a served workspace as a real
``sodo serve`` process, and percentiles."""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@contextmanager
def served_workspace(workspace: Path, env: dict[str, str],
                     port: int | None = None) -> Iterator[str]:
    """``sodo serve`` on ``workspace`` with ``env`` (on ``port``, or a free one), answering on
    its base URL once healthy; stopped (killed if still busy with a request) on leaving."""
    port = port or free_port()
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "sodo", "serve", "--workspace", str(workspace), "--port",
             str(port)], env=env, stdout=subprocess.DEVNULL, stderr=log)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if httpx.get(base + "/api/v1/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    log.seek(0)
                    raise SystemExit("server did not start: " + log.read()[-2000:].decode())
                time.sleep(0.3)
            yield base
        finally:
            server.terminate()
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(20)
