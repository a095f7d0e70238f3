"""A million-row XLSX: refused at once, or read to the row limit in bounded memory.

Run with the project's venv: `.venv/bin/python bench/million.py [--refusal-only]
[--small] [--database-url URL]`. Prints one line per figure:
`name: value unit (target ≤ X) ok|MISS`. `--small` is part 1 alone, its sheet made
of 10,000 believable residents over and over.

1. A full sheet (1,048,575 data rows, honest `<dimension>`): `desa resident import`
   refuses it before reading a row, with one sentence and exit status 1, writes no
   rejects file and stores nobody (asserted); its time and peak are the figures.
   The test suite checks the same refusal at a limit of 5 rows
   (tests/residents/test_importer_limits.py).
2. 1,000,000 believable residents (exactly the row limit) in a sheet that hides its
   size: `desa resident import --dry-run` reads and checks every row. Its peak
   memory is the import's bound: the per-column caches are capped and the NIKs
   already seen are kept in a temporary database on disk, not in memory. The
   same check of 100,000 rows is printed beside it, to show how little it grows.
The peak is the whole process's resident set (ru_maxrss), Python and app included.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from _common import add_options, baseline, figure, temp_instance

INSTANCE = temp_instance()

from _bigxlsx import write_xlsx  # noqa: E402
from _peakmem import run_measured  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from desa import create_app  # noqa: E402
from desa.extensions import db  # noqa: E402
from desa.residents.demo import build_rows  # noqa: E402
from desa.residents.models import Resident  # noqa: E402

FULL_SHEET = 1_048_575  # every row a sheet can hold, after the header
# The import's own columns, less the two a village file rarely carries.
from _rows import COLUMNS  # noqa: E402

DESA = str(Path(sys.executable).parent / "desa")


def cells(rows: list[dict], count: int):
    for i in range(count):
        r = rows[i % len(rows)]
        yield [
            r["birth_date"].strftime("%d-%m-%Y")
            if c == "birth_date"
            else ("" if r[c] is None else str(r[c]))
            for c in COLUMNS
        ]


def run(args: list[str]) -> tuple[int, float, float, str]:
    """(exit code, seconds, peak MB, stderr) of `desa …` in a fresh process."""
    done = run_measured([DESA, *args], dict(os.environ))
    return done.returncode, done.seconds, done.peak_mb, done.stderr


def stored_residents() -> int:
    """Residents in the benchmark's database, as a fresh process would see them."""
    app = create_app()
    with app.app_context():
        count = db.session.scalar(select(func.count(Resident.id)))
        db.engine.dispose()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--refusal-only",
        action="store_true",
        help="only part 1, the full sheet's refusal (no million-row check)",
    )
    args = add_options(parser).parse_args()
    args.refusal_only = args.refusal_only or args.small

    subprocess.run([DESA, "init"], check=True, capture_output=True)
    code, _, bare_mb, _ = run(["--help"])
    baseline("import.process_at_rest", bare_mb, "MB")

    start = time.perf_counter()
    rows, _meta = build_rows(
        10_000 if args.small else FULL_SHEET, 11, dt.date(2026, 12, 4), "6101122002"
    )
    full = write_xlsx(
        INSTANCE / "penuh.xlsx", COLUMNS, cells(rows, FULL_SHEET), row_count=FULL_SHEET
    )
    files = [full]
    if not args.refusal_only:
        limit = write_xlsx(
            INSTANCE / "sejuta.xlsx", COLUMNS, cells(rows, 1_000_000), dimension=False
        )
        tenth = write_xlsx(
            INSTANCE / "seratus-ribu.xlsx",
            COLUMNS,
            cells(rows, 100_000),
            dimension=False,
        )
        files += [limit, tenth]
    del rows
    baseline("million.generate_files", time.perf_counter() - start, "s")
    sizes = ", ".join(f"{p.name} {p.stat().st_size / 1e6:.0f} MB" for p in files)
    print(f"# {sizes}")

    code, seconds, peak, err = run(["resident", "import", str(full)])
    assert code == 1, err
    assert "lebih dari 1.000.000 baris data" in err, err
    assert "Traceback" not in err, err
    assert not full.with_name(full.name + ".rejects.csv").exists()
    assert stored_residents() == 0
    figure("million.full_sheet_refusal", seconds, "s", 5)
    figure("million.full_sheet_refusal_peak", peak, "MB", 256)
    if args.refusal_only:
        return

    code, seconds, peak, err = run(["resident", "import", "--dry-run", str(tenth)])
    assert code in (0, 3), err
    baseline("million.check_100k_rows_peak", peak, "MB")

    code, seconds, peak, err = run(["resident", "import", "--dry-run", str(limit)])
    assert code in (0, 3), err
    baseline("million.check_1m_rows", seconds, "s")
    figure("million.check_1m_rows_peak", peak, "MB", 512)


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(INSTANCE, ignore_errors=True)  # the sheets take 250 MB
