"""Residents at regency scale: import (CSV and XLSX), lookups, search, list page,
concurrent lookups.

Run with the project's venv: `.venv/bin/python bench/residents.py [--rows 400000]
[--import-only] [--small] [--database-url URL]`. Prints one line per figure:
`name: value unit (target ≤ X) ok|MISS`.

The import is compared with the fastest plain way to put the same rows in the same
table: sqlite3's executemany in one transaction on SQLite, psycopg's COPY into a
copy of the table (`CREATE TABLE … (LIKE residents INCLUDING ALL)`) on PostgreSQL.

The XLSX file holds the same cells as the CSV, in the form Excel writes (a
shared-strings table), and is imported into an empty database of its own. Its
target is 3 s up to 20,000 rows and 10 s per 100,000 beyond (40 s for 400,000).
Beside it: reading alone, through each XLSX reader and the CSV one (openpyxl's
streaming reader, used for sheets past the memory budget, only up to 100,000
rows: it needs minutes for more), and the import's peak memory above the process
at rest.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sqlite3
import time
import urllib.parse
from pathlib import Path

from _common import (
    add_options,
    baseline,
    engine,
    figure,
    fresh_database,
    percentile,
    temp_instance,
)

INSTANCE = temp_instance()

from _bigxlsx import write_xlsx  # noqa: E402
from _http import Gunicorn, request, throughput, timed  # noqa: E402
from _peakmem import peak_mb, reset_peak  # noqa: E402
from _rows import COLUMNS, cells, write_csv  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from config import Config  # noqa: E402
from desa import create_app  # noqa: E402
from desa.auth.actor import command_actor  # noqa: E402
from desa.auth.services import create_token, create_user  # noqa: E402
from desa.core.village import set_village  # noqa: E402
from desa.extensions import db  # noqa: E402
from desa.residents.demo import build_rows  # noqa: E402
from desa.residents.importer import reading  # noqa: E402

PASSWORD = "kata-sandi-bench-2026"


def _raw_row(r: dict, now: str) -> tuple:
    return tuple(v.isoformat() if isinstance(v, dt.date) else v for v in r.values()) + (
        "[]",
        now,
        now,
    )


def raw_floor(app, rows: list[dict]) -> tuple[str, float]:
    """(what it is, seconds) of the plainest fast way to store the same rows."""
    if engine() == "sqlite":
        with app.app_context():
            schema = [
                r[0]
                for r in db.session.execute(
                    db.text(
                        "SELECT sql FROM sqlite_master"
                        " WHERE tbl_name = 'residents' AND sql IS NOT NULL"
                        " AND type != 'trigger'"
                    )
                )
            ]
        return "raw sqlite3 executemany", raw_executemany(
            rows, INSTANCE / "raw.sqlite", schema
        )
    return "raw psycopg COPY", raw_copy(rows)


def raw_copy(rows: list[dict]) -> float:
    """The same rows by COPY into a copy of the residents table, one transaction."""
    import psycopg

    url = os.environ["DESA_DATABASE_URL"].replace("postgresql+psycopg", "postgresql")
    names = list(rows[0]) + ["nik_warnings", "created_at", "updated_at"]
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(" ")
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE raw_residents (LIKE residents INCLUDING ALL)")
        conn.commit()
        start = time.perf_counter()
        with conn.cursor().copy(
            f"COPY raw_residents ({', '.join(names)}) FROM STDIN"
        ) as copy:
            for r in rows:
                copy.write_row(_raw_row(r, now))
        conn.commit()
        elapsed = time.perf_counter() - start
        conn.execute("DROP TABLE raw_residents")
        conn.commit()
    return elapsed


def raw_executemany(rows: list[dict], db_path: Path, schema: list[str]) -> float:
    """The same rows into the same table with plain sqlite3: the floor to compare with."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    for sql in schema:
        conn.execute(sql)
    names = list(rows[0]) + ["nik_warnings", "created_at", "updated_at"]
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(" ")
    start = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany(
        f"INSERT INTO residents ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
        (_raw_row(r, now) for r in rows),
    )
    conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def import_file(app, path: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of importing `path`."""
    from desa.auth.actor import command_actor
    from desa.core.db import mark_write_intent
    from desa.residents.importer import run_import
    from desa.residents.services import refresh_after_import

    with app.app_context():
        mark_write_intent()
        start, cpu = time.perf_counter(), time.process_time()
        result = run_import(
            command_actor(),
            path,
            strict=False,
            dry_run=False,
            actor_name="bench",
            rejects_path=path.with_suffix(".rejects.csv"),
        )
        db.session.commit()
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        # What the CLI and the import page do next (PostgreSQL: VACUUM ANALYZE),
        # outside the import's time as it is outside the clerk's wait.
        refresh_after_import(result)
    if result.rejected:
        raise SystemExit(f"the generated file had {result.rejected} rejected rows")
    return elapsed, cpu


def fresh_app(name: str):
    """The app on an empty database of its own in the bench's instance."""
    url = fresh_database(name)
    app = create_app(Config({**os.environ, "DESA_DATABASE_URL": url}))
    with app.app_context():
        upgrade()
        set_village("61.01.12.2002")
        db.session.commit()
    return app


def read_seconds(path: Path, reader) -> float:
    """Opening the file and reading every row, nothing checked or stored."""
    start = time.perf_counter()
    with reader(path) as table:
        for _row in table.rows:
            pass
    return time.perf_counter() - start


def session_cookie(port: int) -> str:
    """Signs the operator in through the real form; returns the session cookie."""
    import http.client

    def call(method: str, path: str, headers: dict, body: bytes | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        return resp, resp.read()

    resp, page = call("GET", "/login", {})
    cookie = resp.getheader("Set-Cookie").split(";")[0]
    token = re.search(rb'csrf-token" content="([^"]+)"', page).group(1).decode()
    form = urllib.parse.urlencode(
        {"username": "operator", "password": PASSWORD, "csrf_token": token}
    ).encode()
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    resp, _ = call("POST", "/login", headers, form)
    if resp.status != 302:
        raise RuntimeError(f"sign-in failed: {resp.status}")
    return resp.getheader("Set-Cookie").split(";")[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=400_000)
    parser.add_argument(
        "--import-only",
        action="store_true",
        help="only the import figures (CSV, XLSX), not the HTTP ones",
    )
    args = add_options(parser).parse_args()
    if args.small:
        args.rows = 5_000

    app = create_app()
    with app.app_context():
        upgrade()
        set_village("61.01.12.2002")
        system = command_actor()
        create_user(system, "operator", PASSWORD, "clerk", full_name="Operator")
        _token, secret = create_token(system, "bench", "clerk")
        db.session.commit()

    rows, _meta = build_rows(args.rows, 1, dt.date(2026, 11, 23), "61.01.12.2002")
    csv_path = INSTANCE / "residents.csv"
    write_csv(rows, csv_path)
    n = f"{args.rows // 1000}k"

    imported, imported_cpu = import_file(app, csv_path)
    floor, raw = raw_floor(app, rows)
    figure(f"CSV import {n} residents (validation included)", imported, "s", 30)
    baseline(f"{floor} of the same rows, same table", raw, "s")
    figure(f"import / {floor}", imported / raw, "x", 5)
    # On a machine shared with other work, CPU time says more than the clock.
    baseline("CSV import CPU time", imported_cpu, "s")

    xlsx_path = write_xlsx(
        INSTANCE / "residents.xlsx",
        COLUMNS,
        cells(rows),
        row_count=len(rows),
        shared_strings=True,
    )
    xlsx_app = fresh_app("xlsx")
    at_rest = reset_peak()
    xlsx, xlsx_cpu = import_file(xlsx_app, xlsx_path)
    xlsx_peak = peak_mb() - at_rest
    xlsx_target = max(3.0, 10 * args.rows / 100_000)
    figure(f"XLSX import {n} residents (validation included)", xlsx, "s", xlsx_target)
    baseline("XLSX import CPU time", xlsx_cpu, "s")
    baseline("XLSX import / CSV import", xlsx / imported, "x")
    baseline("XLSX import / CSV import, CPU time", xlsx_cpu / imported_cpu, "x")
    baseline("XLSX import peak memory above the process at rest", xlsx_peak, "MB")
    baseline(
        f"reading alone, {n} rows: CSV",
        read_seconds(csv_path, reading._read_csv),
        "s",
    )
    baseline(
        f"reading alone, {n} rows: XLSX, shape check and python-calamine",
        read_seconds(xlsx_path, reading._read_xlsx),
        "s",
    )
    if args.rows <= 100_000:
        baseline(
            f"reading alone, {n} rows: XLSX streamed by openpyxl",
            read_seconds(xlsx_path, reading._read_xlsx_streaming),
            "s",
        )
    if args.import_only:
        return

    niks = [r["nik"] for r in rows[:: max(1, len(rows) // 2000)]]
    prefixes = sorted({r["name"].split()[0][:4] for r in rows[:5000]})
    del rows
    auth = {"Authorization": f"Bearer {secret}"}

    def get_nik(port: int, i: int, headers: dict) -> tuple[int, bytes]:
        return request(port, "GET", f"/api/v1/residents/{niks[i % len(niks)]}", headers)

    def search(port: int, i: int) -> tuple[int, bytes]:
        q = prefixes[i % len(prefixes)]
        return request(port, "GET", f"/api/v1/residents?per_page=20&q={q}", auth)

    with Gunicorn("wsgi:app") as server:
        port = server.port
        lookups = timed(1000, lambda i: get_nik(port, i, auth))
        searches = timed(500, lambda i: search(port, i))
        cookie = {"Cookie": session_cookie(port)}
        last_page = max(1, args.rows // 50)

        def list_page(i: int) -> tuple[int, bytes]:
            return request(
                port, "GET", f"/residents?page={1 + i * 37 % last_page}", cookie
            )

        pages = timed(200, list_page)
        figure("NIK lookup over HTTP p99", percentile(lookups, 99), "ms", 3)
        figure("name-prefix search p99", percentile(searches, 99), "ms", 10)
        figure("resident list page p95", percentile(pages, 95), "ms", 80)
        ours = throughput(8, 5, lambda i: get_nik(port, i, auth))
    with Gunicorn("bare_app:app") as server:
        bare = throughput(8, 5, lambda i: get_nik(server.port, i, {}))
    baseline("NIK lookups/s, 8 clients, 2 gunicorn workers", ours, "req/s")
    baseline("bare Flask JSON route, same way", bare, "req/s")
    figure("NIK lookups / bare Flask", ours / bare, "ratio", 0.6, True)


if __name__ == "__main__":
    main()
