"""PostgreSQL beside SQLite: the same register, the same requests, side by side.

Run with the project's venv: `.venv/bin/python bench/parity.py [--rows 100000]
--database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres [--small]`.
Prints one line per figure: `name: value unit (target ≤ X) ok|MISS`.

Both registers are filled by the product's own import from one CSV file (on
PostgreSQL that is COPY, then the import's VACUUM ANALYZE), then the same
requests go to each through the app (Flask's test client, a signed-in clerk and
an API token, in one process, one after the other): the resident list's first
and a deep page, the page after it by cursor, a NIK lookup, a name search, the
figures page, and the pending CSV export. Each is printed for both engines, with
PostgreSQL / SQLite as the figure (target ≤ 1.5: the hub runs on PostgreSQL and
must not be the slow one). Without a PostgreSQL URL it says so and stops.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import statistics
import time
from pathlib import Path

from _common import (
    add_options,
    baseline,
    figure,
    fresh_database,
    is_postgresql,
    temp_instance,
)

INSTANCE = temp_instance()

from _rows import write_csv  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from config import Config  # noqa: E402
from desa import create_app  # noqa: E402
from desa.auth.actor import command_actor  # noqa: E402
from desa.auth.services import create_token, create_user  # noqa: E402
from desa.core.db import mark_write_intent  # noqa: E402
from desa.core.village import set_village  # noqa: E402
from desa.extensions import db  # noqa: E402
from desa.residents.demo import build_rows  # noqa: E402

PASSWORD = "kata-sandi-bench-2026"
RUNS = 30
VILLAGE = "61.01.12.2002"


def build(url: str, csv_path: Path):
    """An app on `url`, migrated, with the register imported from `csv_path`."""
    from desa.residents.importer import run_import
    from desa.residents.services import refresh_after_import

    app = create_app(Config({**os.environ, "DESA_DATABASE_URL": url}))
    with app.app_context():
        upgrade()
        set_village(VILLAGE)
        system = command_actor()
        create_user(system, "operator", PASSWORD, "clerk", full_name="Operator")
        _token, secret = create_token(system, "bench", "clerk")
        db.session.commit()
        mark_write_intent()
        result = run_import(system, csv_path, actor_name="bench")
        db.session.commit()
        refresh_after_import(result)  # as the CLI does after its commit
        if result.rejected:
            raise SystemExit(f"{result.rejected} rows rejected")
    return app, secret


def signed_in(app):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'csrf-token" content="([^"]+)"', page).group(1)
    form = {"username": "operator", "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data=form).status_code == 302
    return client


def timed(call, runs: int = RUNS) -> float:
    """Median milliseconds of `call(i)` after one warm-up call."""
    call(0)
    samples = []
    for i in range(runs):
        start = time.perf_counter()
        call(i + 1)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def measure(app, secret: str, rows: int, niks: list[str], prefixes: list[str]):
    """{measure: milliseconds} for one engine."""
    from desa.auth.actor import Actor, Via
    from desa.exports import pending

    client = signed_in(app)
    auth = {"Authorization": f"Bearer {secret}"}
    deep = max(1, rows // 50 * 9 // 10)

    def ok(resp):
        assert resp.status_code == 200, resp.status_code
        return resp

    def next_link(html: str) -> str:
        found = re.search(r'href="(/residents\?[^"]*after=[^"]+)"', html)
        return (
            found.group(1).replace("&amp;", "&")
            if found
            else f"/residents?page={deep + 1}"
        )

    after = next_link(ok(client.get(f"/residents?page={deep}")).get_data(as_text=True))
    out = {
        "resident list, first page": timed(lambda i: ok(client.get("/residents"))),
        f"resident list, page {deep:,}": timed(
            lambda i: ok(client.get(f"/residents?page={deep}"))
        ),
        "resident list, the next page by its link": timed(
            lambda i: ok(client.get(after))
        ),
        "NIK lookup (API)": timed(
            lambda i: ok(
                client.get(f"/api/v1/residents/{niks[i % len(niks)]}", headers=auth)
            )
        ),
        "name-prefix search (API)": timed(
            lambda i: ok(
                client.get(
                    f"/api/v1/residents?per_page=20&q={prefixes[i % len(prefixes)]}",
                    headers=auth,
                )
            )
        ),
        "figures page": timed(lambda i: ok(client.get("/recording/figures"))),
    }

    def export(_i: int) -> None:
        with app.app_context():
            mark_write_intent()
            pending.export_pending(
                Actor(today=dt.date(2026, 11, 23), via=Via.CLI),
                "csv",
                only_new=False,
                instance_path=app.instance_path,
                actor_name="bench",
            )
            db.session.rollback()

    out["pending CSV export"] = timed(export, runs=3)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = add_options(parser).parse_args()
    if args.small:
        args.rows = 5_000
    if not is_postgresql(os.environ["DESA_DATABASE_URL"]):
        print("# parity compares with PostgreSQL: give --database-url postgresql…")
        return
    rows, _meta = build_rows(args.rows, 3, dt.date(2026, 11, 23), VILLAGE)
    csv_path = INSTANCE / "residents.csv"
    write_csv(rows, csv_path)
    niks = [r["nik"] for r in rows[:: max(1, len(rows) // 500)]]
    prefixes = sorted({r["name"].split()[0][:4] for r in rows[:5000]})
    del rows
    results = {}
    for engine_name, url in (
        ("sqlite", f"sqlite:///{INSTANCE / 'parity.sqlite'}"),
        ("postgresql", fresh_database("parity")),
    ):
        app, secret = build(url, csv_path)
        results[engine_name] = measure(app, secret, args.rows, niks, prefixes)
        with app.app_context():
            db.engine.dispose()
    n = f"{args.rows // 1000}k"
    for name, lite in results["sqlite"].items():
        pg = results["postgresql"][name]
        baseline(f"{name}, {n} residents, SQLite, median", lite, "ms")
        baseline(f"{name}, {n} residents, PostgreSQL, median", pg, "ms")
        figure(f"{name}: PostgreSQL / SQLite", pg / lite, "x", 1.5)


if __name__ == "__main__":
    main()
