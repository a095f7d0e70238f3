"""The population books at village size: the Buku Induk (B.1) of 20,000 residents
as an A4 landscape PDF and as XLSX, from the registry read as of the month's end.

Residents come from the demo generator, bulk-inserted into a fresh database made
by Alembic, with a few hundred life events and field changes so the history is
replayed too. Each figure is the whole path a download takes (the registry read
as of the day, the book's rows, the file), the worse of two runs. Memory is the
process's peak resident set growth over the two files (Linux's resettable
high-water mark, bench/_peakmem.py), not tracemalloc.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time

from _common import add_options, figure, temp_instance
from _peakmem import peak_mb, reset_peak

TODAY = dt.date(2026, 11, 23)
VILLAGE = "61.01.12.2002"


def seed(app, count: int) -> None:
    from flask_migrate import upgrade
    from sqlalchemy import insert, select

    from desa.core.village import set_village
    from desa.extensions import db
    from desa.residents.demo import build_rows
    from desa.residents.models import Resident, ResidentChange, ResidentEvent

    rows, _meta = build_rows(count, 1, TODAY, VILLAGE)
    with app.app_context():
        upgrade()
        set_village(VILLAGE)
        table = Resident.__table__
        for start in range(0, len(rows), 10_000):
            db.session.execute(insert(table), rows[start : start + 10_000])
        ids = list(db.session.scalars(select(Resident.id)))
        rng = random.Random(7)
        events, changes = [], []
        now = dt.datetime(2026, 11, 20, 3, 0)
        for resident_id in rng.sample(ids, min(len(ids) // 50, 400)):
            day = dt.date(2026, rng.randint(1, 11), rng.randint(1, 28))
            events.append(
                {
                    "resident_id": resident_id,
                    "type": "move_out",
                    "date": day,
                    "note": "Kota Singkawang",
                    "created_by": "bench",
                    "created_at": now,
                }
            )
            changes.append(
                {
                    "resident_id": resident_id,
                    "changed_at": now,
                    "changed_by": "bench",
                    "field": "occupation",
                    "before": "PETANI",
                    "after": "WIRASWASTA",
                    "reason": "bench",
                }
            )
        db.session.execute(insert(ResidentEvent.__table__), events)
        db.session.execute(insert(ResidentChange.__table__), changes)
        db.session.commit()


def timed(app, fmt: str) -> tuple[float, int]:
    from desa.core.village import require_village
    from desa.papers.book_tables import build
    from desa.papers.books import Period

    with app.app_context():
        start = time.perf_counter()
        book = build("induk", Period(TODAY.year, TODAY.month), TODAY, require_village())
        if fmt == "pdf":
            from desa.papers.books_pdf import render_book

            body = render_book(book)
        else:
            from desa.papers.books_xlsx import write_book

            body = write_book(book)
        seconds = time.perf_counter() - start
        if len(book.rows) < 1 or not body:
            raise SystemExit("the book came out empty")
        return seconds, len(book.rows)


def reports_in_a_bundle(app, count: int) -> float:
    """What every sync bundle now adds: the monthly report of three months."""
    from desa.sync.services import REPORT_MONTHS, report_changes

    with app.app_context():
        start = time.perf_counter()
        lines = list(report_changes(TODAY))
        seconds = time.perf_counter() - start
    people = lines[0]["total"]["end_l"] + lines[0]["total"]["end_p"]
    if len(lines) != REPORT_MONTHS or not 0 < people <= count:
        raise SystemExit(f"the reports came out wrong: {len(lines)} lines, {people}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    args = add_options(parser).parse_args()
    if args.small:
        args.rows = 2_000
    temp_instance()
    from desa import create_app

    app = create_app()
    seed(app, args.rows)
    base = reset_peak()
    pdf = max(timed(app, "pdf") for _ in range(2))
    xlsx = max(timed(app, "xlsx") for _ in range(2))
    grown = peak_mb() - base
    reports = max(reports_in_a_bundle(app, args.rows) for _ in range(2))
    print(f"# {args.rows} residents, {pdf[1]} in the Buku Induk of {TODAY:%B %Y}")
    n = f"{args.rows // 1000}k"
    figure(f"Buku Induk PDF of {n} residents", pdf[0], "s", 10)
    figure(f"Buku Induk XLSX of {n} residents", xlsx[0], "s", 5)
    figure("Buku Induk peak memory growth (RSS)", grown, "MB", 200)
    figure(f"monthly reports of 3 months in a sync bundle, {n}", reports, "s", 5)


if __name__ == "__main__":
    main()
