"""Serving the app with gunicorn and timing HTTP requests against it (loopback only)."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).parent / "gunicorn")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """`gunicorn -w 2` on a free loopback port, stopped on exit."""

    def __init__(self, app: str, env: dict[str, str] | None = None, workers: int = 2):
        self.port = free_port()
        # Both the app and the bare yardstick run with the project's gunicorn.conf.py
        # (access log through the NIK mask included), so they are served the same way.
        self.cmd = [
            GUNICORN,
            "-c",
            str(ROOT / "gunicorn.conf.py"),
            "-w",
            str(workers),
            "-k",
            "sync",
            "-b",
            f"127.0.0.1:{self.port}",
            "--chdir",
            str(ROOT / "bench") if app.startswith("bare_app") else str(ROOT),
            app,
        ]
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DESA_BACKUP_AUTO": "0",
            **(env or {}),
        }

    def __enter__(self) -> Gunicorn:
        self.proc = subprocess.Popen(self.cmd, env=self.env, start_new_session=True)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                status, _ = request(self.port, "GET", "/healthz")
                if status in (200, 404):
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(timeout=30)


def request(
    port: int,
    method: str,
    path: str,
    headers: dict | None = None,
    body: bytes | None = None,
) -> tuple[int, bytes]:
    """One request on a fresh connection (gunicorn's sync workers close it anyway)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def timed(samples: int, make_call: Callable[[int], tuple[int, bytes]]) -> list[float]:
    """Milliseconds for each of `samples` sequential calls; every call must answer 200."""
    out = []
    for i in range(samples):
        start = time.perf_counter()
        status, body = make_call(i)
        out.append((time.perf_counter() - start) * 1000)
        if status != 200:
            raise RuntimeError(f"HTTP {status}: {body[:200]!r}")
    return out


def throughput(
    clients: int, seconds: float, make_call: Callable[[int], tuple[int, bytes]]
) -> float:
    """Requests per second that `clients` threads complete in `seconds` (all must be 200)."""
    stop = time.perf_counter() + seconds
    counts = [0] * clients
    errors: list[str] = []

    def worker(k: int) -> None:
        i = k
        while time.perf_counter() < stop:
            status, body = make_call(i)
            if status != 200:
                errors.append(f"HTTP {status}: {body[:100]!r}")
                return
            counts[k] += 1
            i += clients

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(errors[0])
    return sum(counts) / (time.perf_counter() - start)
