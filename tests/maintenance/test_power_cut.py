"""Power cuts: SIGKILL a big CLI import and a gunicorn server in the middle of a
burst of letter issues, then find the SQLite file whole and consistent.

Only on SQLite (the village laptop's database); PostgreSQL has its own WAL and is
not the file these tests are about.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import http.cookiejar
import json
import os
import pty
import re
import select
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from conftest import PASSWORD, PG_URL, csrf_from, nik_for
from servers import Gunicorn, server_env
from waiting import wait_until

pytestmark = pytest.mark.skipif(
    bool(PG_URL), reason="power-cut safety is about the SQLite file"
)

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
HEADER = ["NIK", "NAMA_LGKP", "JENIS_KLMIN", "TGL_LHR", "NO_RT", "NO_RW", "DUSUN"]
ROWS = 40_000


def _db_path(app) -> str:
    return str(app.config["SQLALCHEMY_DATABASE_URI"]).removeprefix("sqlite:///")


def _sqlite(app) -> sqlite3.Connection:
    """A plain connection, as a fresh process after the cut would open the file."""
    return sqlite3.connect(_db_path(app))


def _dispose(app) -> None:
    from desa.extensions import db as _db

    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


# --- (a) a big import killed half-way ------------------------------------------------


def _letters(n: int) -> str:
    """A distinct all-letter name part for row n (names may not hold digits)."""
    out = ""
    while True:
        n, r = divmod(n, 26)
        out = chr(65 + r) + out
        if n == 0:
            return out


def _write_big_csv(path: Path, rows: int = ROWS) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        for n in range(rows):
            birth = dt.date(1960 + n // 9999 % 40, 1 + n % 12, 1 + n % 28)
            out.writerow(
                [
                    nik_for(birth, "L", n % 9999 + 1),
                    f"WARGA IMPOR {_letters(n)}",
                    "L",
                    birth.strftime("%d-%m-%Y"),
                    "002",
                    "001",
                    "Sungai Bedung",
                ]
            )


def _bar_reaches(terminal: int, percent: int, timeout: float) -> bytes:
    """Reads a progress bar drawn on `terminal` until it shows `percent` % or more.

    Blocks on the process's own output (no polling); returns what it drew.
    """
    drawn = b""
    deadline = time.monotonic() + timeout
    while not any(int(p) >= percent for p in re.findall(rb"(\d+)%", drawn)):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([terminal], [], [], left)[0]:
            raise AssertionError(f"no {percent}% in {timeout:g} s: {drawn!r}")
        try:
            out = os.read(terminal, 4096)
        except OSError:  # EIO: the process closed its terminal, it has ended
            out = b""
        if not out:
            raise AssertionError(f"the import ended before {percent}%: {drawn!r}")
        drawn += out
    return drawn


def test_killed_import_leaves_nothing_and_a_whole_file(app, tmp_path):
    source = tmp_path / "warga.csv"
    _write_big_csv(source)
    with _sqlite(app) as conn:
        indexes = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' "
            "AND tbl_name = 'residents'"
        ).fetchall()
    _dispose(app)
    # On a terminal, click redraws the progress bar after every chunk written
    # inside the import's one transaction (ROWS is four chunks).
    bar, terminal = pty.openpty()
    proc = subprocess.Popen(
        [str(BIN / "desa"), "resident", "import", str(source)],
        env=server_env(app, dt.date.today()),
        stdout=subprocess.PIPE,
        stderr=terminal,
        start_new_session=True,
    )
    os.close(terminal)
    try:
        shown = _bar_reaches(bar, 50, timeout=60)  # half the rows written, uncommitted
        assert proc.poll() is None, "the import finished before it could be cut"
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        os.close(bar)
        proc.stdout.close()
    assert b"Mengimpor" in shown

    with _sqlite(app) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        count = conn.execute(
            "SELECT count(*) FROM residents WHERE name LIKE 'WARGA IMPOR %'"
        ).fetchone()[0]
        after = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' "
            "AND tbl_name = 'residents'"
        ).fetchall()
        jobs_running = conn.execute(
            "SELECT count(*) FROM import_jobs WHERE status = 'running'"
        ).fetchone()[0]
    assert count in (0, ROWS), f"partial import: {count} of {ROWS} rows"
    assert count == 0  # killed before its one commit
    assert sorted(after) == sorted(indexes)  # dropped for speed, back after the cut
    assert jobs_running == 0


# --- (a') a web import (its own process) when the power goes --------------------------


class _Browser:
    """A clerk's browser against the real server: cookies, CSRF, forms, uploads."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> tuple[int, str, str]:
        with self.opener.open(self.base + path, timeout=30) as resp:
            return resp.status, resp.geturl(), resp.read().decode()

    def post(self, path: str, body: bytes, content_type: str) -> tuple[int, str, str]:
        request = urllib.request.Request(
            self.base + path, data=body, headers={"Content-Type": content_type}
        )
        with self.opener.open(request, timeout=60) as resp:
            return resp.status, resp.geturl(), resp.read().decode()

    def form(
        self, path: str, fields: dict[str, str], page: str | None = None
    ) -> tuple[int, str, str]:
        """Submits `fields` to `path` as the form on `page` (default: `path`) would."""
        token = csrf_from(self.get(page or path)[2])
        body = urllib.parse.urlencode({**fields, "csrf_token": token}).encode()
        return self.post(path, body, "application/x-www-form-urlencoded")

    def upload(self, path: str, name: str, data: bytes) -> tuple[int, str, str]:
        token = csrf_from(self.get(path)[2])
        boundary = "----desa-uji-7f3a"
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
                f"{token}\r\n--{boundary}\r\n"
                f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'
                "Content-Type: text/csv\r\n\r\n"
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        return self.post(path, body, f"multipart/form-data; boundary={boundary}")


def test_power_cut_during_a_web_import_keeps_nothing_and_fails_the_job(
    app, make_user, tmp_path
):
    source = tmp_path / "warga.csv"
    _write_big_csv(source, rows=150_000)
    with app.app_context():
        clerk = make_user("clerk").username
    _dispose(app)
    server = Gunicorn(app, dt.date.today()).start()
    browser = _Browser(server.port)
    browser.form("/login", {"username": clerk, "password": PASSWORD})
    _status, preview, _page = browser.upload(
        "/residents/import/", "warga.csv", source.read_bytes()
    )
    job_id = int(preview.rstrip("/").split("/")[-2])
    _status, job_page, _page = browser.form(
        f"/residents/import/{job_id}/start", {}, page=preview.removeprefix(browser.base)
    )
    assert job_page.endswith(f"/residents/import/{job_id}")

    # The job runs in its own process; wait until it has written rows in its
    # transaction, then cut the power: the server and the job die together.
    progress = Path(app.instance_path) / "imports" / str(job_id) / "progress.json"

    def written() -> dict:
        state: dict = {}
        with contextlib.suppress(OSError, ValueError):
            state = json.loads(progress.read_text())
        running = state.get("state") == "running"
        return state if running and state.get("processed", 0) >= 10_000 else {}

    state = wait_until(written, 60, "the job to write 10,000 rows")
    assert state.get("processed", 0) >= 10_000, state
    server.stop(signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        os.kill(state["pid"], signal.SIGKILL)
    assert state["processed"] < 150_000, "the import finished before the cut"

    with _sqlite(app) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute(
            "SELECT count(*) FROM residents WHERE name LIKE 'WARGA IMPOR %'"
        ).fetchone() == (0,)

    server = Gunicorn(app, dt.date.today()).start()  # the power comes back
    try:
        browser = _Browser(server.port)
        browser.form("/login", {"username": clerk, "password": PASSWORD})
        _status, _url, page = browser.get(f"/residents/import/{job_id}")
    finally:
        server.stop()
    assert "berhenti sebelum selesai" in page  # not "running" for ever
    with _sqlite(app) as conn:
        assert conn.execute(
            "SELECT status FROM import_jobs WHERE id = ?", (job_id,)
        ).fetchone() == ("failed",)


# --- (b) a burst of letter issues, the server killed mid-way ---------------------------


def _drafts(app, n: int) -> tuple[list[str], str]:
    from desa.auth.actor import command_actor
    from desa.auth.services import create_token
    from desa.extensions import db as _db
    from desa.letters import services
    from desa.residents.models import Resident

    with app.app_context():
        resident = Resident(
            nik=nik_for(dt.date(1990, 5, 17), "L", 1),
            name="WARGA",
            name_key="WARGA",
            sex="L",
            birth_date=dt.date(1990, 5, 17),
            rw="001",
            rt="002",
            life_status="active",
        )
        _db.session.add(resident)
        _db.session.flush()
        actor = command_actor()
        ids = [
            services.create_draft(
                actor, "SKD", resident, f"Keperluan {i}", {}
            ).public_id
            for i in range(n)
        ]
        secret = create_token(actor, "kepala desa", "head")[1]
        _db.session.commit()
    _dispose(app)
    return ids, secret


def test_killed_server_mid_burst_leaves_numbers_and_pdfs_consistent(app):
    ids, secret = _drafts(app, 40)
    server = Gunicorn(app, dt.date.today()).start()
    results: list = []
    lock = threading.Lock()
    three_issued = threading.Event()

    def issue(public_id: str) -> None:
        try:
            got = server.call("POST", f"/api/v1/letters/{public_id}/issue", secret)
        except OSError as err:  # the cut: the connection drops
            got = (0, {"error": repr(err)})
        with lock:
            results.append(got)
            if sum(1 for s, _b in results if s == 200) >= 3:
                three_issued.set()

    threads = [threading.Thread(target=issue, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    three_issued.wait(timeout=20)
    server.stop(signal.SIGKILL)
    for t in threads:
        t.join(timeout=30)
    ok = [b for s, b in results if s == 200]
    assert 3 <= len(ok) < len(ids), f"{len(ok)} issued: the cut came too late"

    server = Gunicorn(app, dt.date.today()).start()  # the power comes back
    try:
        status, body = server.call("GET", f"/api/v1/letters/{ids[0]}", secret)
        assert status == 200
    finally:
        server.stop()

    instance = Path(app.instance_path)
    with _sqlite(app) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        issued = conn.execute(
            "SELECT public_id, counter_scope, year, seq, pdf_path, pdf_sha256 "
            "FROM letters WHERE status = 'issued' ORDER BY seq"
        ).fetchall()
        counters = {
            (scope, year): last
            for scope, year, last in conn.execute(
                "SELECT scope, year, last FROM letter_counters"
            )
        }
        drafts = {
            r[0]
            for r in conn.execute(
                "SELECT public_id FROM letters WHERE status = 'draft'"
            )
        }
    # Every answer the client got is in the database (durable once answered).
    assert {b["id"] for b in ok} <= {row[0] for row in issued}
    # Numbers: contiguous from 1 per counter and year, and the counter at the top.
    per_counter: dict = {}
    for _pid, scope, year, seq, _path, _sha in issued:
        per_counter.setdefault((scope, year), []).append(seq)
    for key, seqs in per_counter.items():
        assert seqs == list(range(1, len(seqs) + 1)), (key, seqs)
        assert counters[key] == len(seqs), (key, counters[key], len(seqs))
    assert len(issued) + len(drafts) == len(ids)
    # Every issued row has its PDF, byte for byte.
    for public_id, _scope, _year, _seq, path, sha in issued:
        data = (instance / path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == sha, public_id
    # A PDF no row points at can only be a draft's, cut between file and commit;
    # `desa doctor` sweeps it (services.sweep_orphan_pdfs).
    referenced = {row[4] for row in issued}
    files = {
        p.relative_to(instance).as_posix()
        for p in (instance / "letters").rglob("*")
        if p.is_file()
    }
    orphans = files - referenced
    assert all(Path(o).name.lstrip(".").split(".")[0] in drafts for o in orphans), (
        orphans
    )
    _sweep_and_recheck(app, referenced)


def _sweep_and_recheck(app, referenced: set[str]) -> None:
    from desa.letters.services import sweep_orphan_pdfs

    with app.app_context():
        sweep_orphan_pdfs(dt.timedelta(0))
    _dispose(app)
    instance = Path(app.instance_path)
    files = {
        p.relative_to(instance).as_posix()
        for p in (instance / "letters").rglob("*")
        if p.is_file()
    }
    assert files == referenced
