"""The app under a real gunicorn (2 workers × 4 threads) on a test's database.

For the tests that need real processes and real concurrent HTTP clients: booking
races, and power cuts (SIGKILL of the whole process group).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = str(Path(sys.executable).parent / "gunicorn")


def server_env(app, today: dt.date) -> dict[str, str]:
    """The environment that points a subprocess at the test app's database."""
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DESA_DATABASE_URL": str(app.config["SQLALCHEMY_DATABASE_URI"]),
        "DESA_INSTANCE_PATH": app.instance_path,
        "DESA_SECRET_KEY": app.config["SECRET_KEY"],
        "DESA_BASE_URL": "http://desa.test",
        "DESA_TEST_TODAY": today.isoformat(),
    }


def call(port: int, method: str, path: str, token: str, body: dict | None = None):
    """One JSON request with a bearer token → (status, parsed body or None)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(
            method,
            path,
            body=json.dumps(body) if body else None,
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
            },
        )
        resp = conn.getresponse()
        raw = resp.read()
        return resp.status, json.loads(raw) if raw else None
    finally:
        conn.close()


class Gunicorn:
    """tests/appointments/race_app.py (the app with a fixed date) on a free port.

    The test binds the listening socket and hands it to gunicorn (`fd://`), so it
    exists before gunicorn does: the first request queues in its backlog until a
    worker takes it, and nothing has to wait for the port to open.
    """

    def __init__(self, app, today: dt.date) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.env = server_env(app, today)
        self.cmd = [
            GUNICORN,
            "-w",
            "2",
            "-k",
            "gthread",
            "--threads",
            "4",
            "-b",
            f"fd://{self.listener.fileno()}",
            "--log-level",
            "critical",
            "--chdir",
            str(ROOT / "tests" / "appointments"),
            "race_app:app",
        ]

    def start(self) -> Gunicorn:
        with self.listener:
            self.proc = subprocess.Popen(
                self.cmd,
                env=self.env,
                start_new_session=True,
                pass_fds=[self.listener.fileno()],
            )
        # Gunicorn holds the only copy now: once it is killed, a client is refused
        # at once instead of waiting in a backlog nobody reads.
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("GET", "/healthz")
            status = conn.getresponse().status
        except OSError as err:  # gunicorn died, closing the socket, or never answered
            self.stop(signal.SIGKILL)
            raise RuntimeError(f"gunicorn did not start: {err!r}") from None
        finally:
            conn.close()
        if status != 200:
            self.stop(signal.SIGKILL)
            raise RuntimeError(f"gunicorn answered /healthz with {status}")
        return self

    def stop(self, sig: int = signal.SIGTERM) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)  # the master and every worker
        self.proc.wait(timeout=30)

    def call(self, method: str, path: str, token: str, body: dict | None = None):
        return call(self.port, method, path, token, body)

    def __enter__(self) -> Gunicorn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
