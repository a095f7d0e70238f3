"""The district link at regency scale: pending export (CSV, XLSX), their peak memory,
and the figures per RT.

Run with the project's venv: `.venv/bin/python bench/district.py [--rows 400000]
[--pending 40000] [--small] [--database-url URL]`. Prints one line per figure:
`name: value unit (target ≤ X) ok|MISS`.
Each export runs in a fresh process, so that the memory it adds is its own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

from _common import add_options, baseline, figure, percentile, temp_instance

TODAY = dt.date(2026, 11, 23)
VILLAGE = "61.01.12.2002"
FIGURE_RUNS = 15
PASSWORD = "kata-sandi-bench-2026"


def _anon_rss_mb() -> float:
    """Anonymous resident memory (heap, buffers), not the database file's memory map,
    whose pages the kernel can drop at any time."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) / 1024
    return 0.0


class PeakSampler(threading.Thread):
    """Samples anonymous memory every few milliseconds; keeps the highest."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = _anon_rss_mb()
        self.running = True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, _anon_rss_mb())
            time.sleep(0.005)

    def stop(self) -> float:
        self.running = False
        self.join()
        return max(self.peak, _anon_rss_mb())


def child(fmt: str) -> None:
    """Runs one export in this process; prints seconds and the memory it added.

    The peak of anonymous memory during the export minus its level just before (the
    app and its imports are not the export's); sampled every 5 ms.
    """
    from desa import create_app
    from desa.auth.actor import Actor, Via
    from desa.core.db import mark_write_intent
    from desa.exports import pending
    from desa.extensions import db

    app = create_app()
    with app.app_context():
        mark_write_intent()
        db.session.execute(db.select(1))  # connect before the baseline
        db.session.commit()
        before = _anon_rss_mb()
        sampler = PeakSampler()
        sampler.start()
        start = time.perf_counter()
        batch = pending.export_pending(
            Actor(today=TODAY, via=Via.CLI),
            fmt,
            only_new=False,
            instance_path=app.instance_path,
            actor_name="bench",
        )
        db.session.commit()
        elapsed = time.perf_counter() - start
        peak = sampler.stop()
        # What the database and the row cells alone take, without a file or batch.
        start = time.perf_counter()
        read = sum(1 for _ in pending.iter_rows(Actor(today=TODAY, via=Via.CLI)))
        read_seconds = time.perf_counter() - start
        db.session.rollback()
        print(
            json.dumps(
                {
                    "seconds": elapsed,
                    "rows": batch.rows,
                    "read_rows": read,
                    "read_seconds": read_seconds,
                    "peak_mb": peak - before,
                }
            )
        )


def _is_pending(row: dict, oldest_17: dt.date) -> bool:
    if row["life_status"] != "active" or row["ektp_status"] not in (None, 1, 2):
        return False
    if row.get("citizenship", "WNI") != "WNI":
        return False
    married = row["marital_status"] not in (None, "BELUM KAWIN")
    return married or (row["birth_date"] is not None and row["birth_date"] <= oldest_17)


def build(count: int, wanted: int) -> tuple[list[dict], int]:
    """Demo rows with statuses adjusted so that about `wanted` are pending on TODAY."""
    from desa.residents.demo import build_rows
    from desa.residents.rules import years_before

    rows, _meta = build_rows(count, 1, TODAY, VILLAGE)
    oldest_17 = years_before(TODAY, 17)
    pending_rows = [r for r in rows if _is_pending(r, oldest_17)]
    if len(pending_rows) > wanted:
        # Spread the recorded ones over the village: keep every k-th pending.
        keep = set(
            map(id, pending_rows[:: max(1, len(pending_rows) // wanted)][:wanted])
        )
        for r in pending_rows:
            if id(r) not in keep:
                r["ektp_status"] = 3
    else:
        extra = wanted - len(pending_rows)
        for r in rows:
            if extra == 0:
                break
            if r["ektp_status"] == 8 and r["life_status"] == "active":
                r["ektp_status"] = 2
                extra -= 1
    return rows, sum(_is_pending(r, oldest_17) for r in rows)


def run_child(fmt: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", fmt],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def time_figures(app, principals: list) -> float:
    """Median milliseconds of `figures()`, cycling through the given principals."""
    from desa.auth.actor import Actor
    from desa.exports.figures import figures
    from desa.extensions import db

    actors = [Actor(principal=p, today=TODAY) for p in principals]
    samples = []
    with app.app_context():
        figures(actors[0], TODAY)  # warm the page cache once
        for i in range(FIGURE_RUNS):
            start = time.perf_counter()
            data = figures(actors[i % len(actors)], TODAY)
            samples.append((time.perf_counter() - start) * 1000)
            if not data["rows"]:
                raise SystemExit("figures came back empty")
        db.session.rollback()
    return statistics.median(samples)


def figures_page(app, runs: int = 40) -> tuple[list[float], list[float]]:
    """Milliseconds (wall, CPU) of GET /recording/figures for a signed-in clerk
    (test client)."""
    import re

    from desa.auth.actor import command_actor
    from desa.auth.services import create_user
    from desa.extensions import db

    with app.app_context():
        create_user(command_actor(), "petugas", PASSWORD, "clerk", full_name="Petugas")
        db.session.commit()
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'csrf-token" content="([^"]+)"', page).group(1)
    form = {"username": "petugas", "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data=form).status_code == 302
    assert client.get("/recording/figures").status_code == 200  # warm
    samples, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        resp = client.get("/recording/figures")
        samples.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert resp.status_code == 200, resp.status_code
    return samples, cpu


def rt_heads(app) -> list:
    """A principal per RT of the village, as an RT head's page asks for its figures."""
    from sqlalchemy import select

    from desa.extensions import db
    from desa.residents.models import Resident

    with app.app_context():
        areas = db.session.execute(
            select(Resident.rw, Resident.rt).where(Resident.rt.is_not(None)).distinct()
        ).all()
    return [SimpleNamespace(role="rt", rw=rw, rt=rt) for rw, rt in areas]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=400_000)
    parser.add_argument("--pending", type=int, default=40_000)
    args = add_options(parser).parse_args()
    if args.small:
        args.rows, args.pending = 20_000, 2_000
    temp_instance()

    from flask_migrate import upgrade
    from sqlalchemy import insert

    from desa import create_app
    from desa.core.village import set_village
    from desa.extensions import db
    from desa.residents.models import Resident

    app = create_app()
    rows, pending_count = build(args.rows, args.pending)
    with app.app_context():
        upgrade()
        set_village(VILLAGE)
        table = Resident.__table__
        for start in range(0, len(rows), 10_000):
            db.session.execute(insert(table), rows[start : start + 10_000])
        db.session.commit()
    del rows
    n = f"{args.rows // 1000}k"
    print(f"# {args.rows} residents, {pending_count} pending on {TODAY.isoformat()}")

    csv_run = run_child("csv")
    xlsx_run = run_child("xlsx")
    counts = {csv_run["rows"], xlsx_run["rows"], csv_run["read_rows"]}
    if counts != {pending_count}:
        raise SystemExit(f"exports wrote {csv_run['rows']}/{xlsx_run['rows']} rows")
    figure(
        f"CSV export {pending_count // 1000}k pending of {n}",
        csv_run["seconds"],
        "s",
        0.5,
    )
    figure("CSV export peak memory", csv_run["peak_mb"], "MB", 200)
    figure(
        f"XLSX export {pending_count // 1000}k pending of {n}",
        xlsx_run["seconds"],
        "s",
        5,
    )
    figure("XLSX export peak memory", xlsx_run["peak_mb"], "MB", 200)
    # Both exports include reading the rows: the query and the cells, timed alone
    # here, so what the file writers add is the difference.
    baseline(
        f"reading the {pending_count // 1000}k pending rows alone (no file, no batch)",
        min(csv_run["read_seconds"], xlsx_run["read_seconds"]),
        "s",
    )

    heads, village = rt_heads(app), [SimpleNamespace(role="clerk")]
    figure(
        f"figures per RT (an RT's own table), {n} residents, median of {FIGURE_RUNS}",
        time_figures(app, heads),
        "ms",
        50,
    )
    baseline(
        f"figures of the whole village, {len(heads)} RTs at once, median",
        time_figures(app, village),
        "ms",
    )
    pages, pages_cpu = figures_page(app)
    figure(
        f"figures page (the whole village), {n} residents, p95 of {len(pages)}",
        percentile(pages, 95),
        "ms",
        50,
    )
    baseline("figures page, median", statistics.median(pages), "ms")
    baseline("figures page, CPU time p95", percentile(pages_cpu, 95), "ms")
    # The same counts taken from the register itself (what a scope the tallies
    # cannot express gets), for comparison.
    from desa.exports import figures as figures_module

    tallied = figures_module.tally_scope
    figures_module.tally_scope = lambda _actor: None
    baseline(
        "whole village counted from the register instead of the tallies, median",
        time_figures(app, village),
        "ms",
    )
    figures_module.tally_scope = tallied
    results_back(app, pending_count)


def results_back(app, pending_count: int) -> None:
    """The district sends every pending NIK back as SUDAH REKAM, twice."""
    import csv

    from desa.auth.actor import Actor, Via
    from desa.core.db import mark_write_intent
    from desa.exports import results
    from desa.exports.pending import EXPORT_DIR
    from desa.extensions import db

    source = sorted((Path(app.instance_path) / EXPORT_DIR).glob("*.csv"))[0]
    target = source.with_name("hasil.csv")
    with (
        source.open(encoding="utf-8-sig", newline="") as src,
        target.open("w", encoding="utf-8", newline="") as out,
    ):
        writer = csv.writer(out)
        writer.writerow(["NIK", "STAT_RKM"])
        for row in csv.DictReader(src):
            writer.writerow([row["NIK"], "SUDAH REKAM"])
    runs = []
    for _ in range(2):
        with app.app_context():
            mark_write_intent()
            start = time.perf_counter()
            actor = Actor(today=TODAY, via=Via.CLI)
            summary = results.import_file(actor, target, actor_name="bench")
            db.session.commit()
            runs.append((time.perf_counter() - start, summary.line))
    if runs[1][1] != f"matched 0, unchanged {pending_count}, unmatched 0":
        raise SystemExit(f"second results import: {runs[1][1]}")
    figure(
        f"results file back, {pending_count // 1000}k rows ({runs[0][1]})",
        runs[0][0],
        "s",
        60,
    )
    figure("the same file again (all unchanged)", runs[1][0], "s", 60)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        child(sys.argv[2])
    else:
        main()
