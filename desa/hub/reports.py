"""The villages' monthly population reports at the hub, and the kecamatan's table.

A village bundle carries `report` lines (desa/sync/services.report_changes): one
per month, for the running month and the two before it, each the whole report:

    {"t": "report", "year": 2026, "month": 11, "final": true,
     "made_on": "2026-12-07",
     "rows": [{"dusun": "Dusun Merubung", "start_l": …, …}, …],
     "total": {"start_l": …, …}}

with the counts in COUNTS: the population at the start and the end of the month
by sex (and families, `_kk`), and the births, deaths, moves in and moves out of
the month by sex. Every row adds up (start + births + in − deaths − out = end,
for each sex) and the total is the sum of the rows; a line that does not is
refused with the rest of the bundle. The hub keeps the last version per village
and month (`final` once the month is over).

The kecamatan's table is the sum of its villages' reports for one month; a
village that has not sent that month is listed as missing, never counted as 0.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from desa.auth.actor import Actor
from desa.extensions import db
from desa.hub.figures import villages_in_scope
from desa.hub.models import HubMonthlyReport, HubVillage

SEXES = ("l", "p")
FLOWS = ("births", "deaths", "in", "out")
COUNTS = (
    "start_l",
    "start_p",
    "start_kk",
    "births_l",
    "births_p",
    "deaths_l",
    "deaths_p",
    "in_l",
    "in_p",
    "out_l",
    "out_p",
    "end_l",
    "end_p",
    "end_kk",
)
MAX_ROWS = 200  # dusun in one village
_LIMIT = 2**31


def _counts(raw: Any) -> dict[str, int]:
    """The counts of one row, checked: whole numbers that add up."""
    if not isinstance(raw, dict):
        raise ValueError
    out = {}
    for key in COUNTS:
        value = raw.get(key)
        if type(value) is not int or not 0 <= value < _LIMIT:
            raise ValueError
        out[key] = value
    for sex in SEXES:
        moved = out[f"births_{sex}"] + out[f"in_{sex}"]
        moved -= out[f"deaths_{sex}"] + out[f"out_{sex}"]
        if out[f"start_{sex}"] + moved != out[f"end_{sex}"]:
            raise ValueError
    return out


def parse_line(c: dict[str, Any]) -> dict[str, Any]:
    """A `report` line as the hub keeps it; ValueError when it is not one."""
    year, month = c.get("year"), c.get("month")
    if type(year) is not int or not 1900 <= year <= 9999:
        raise ValueError
    if type(month) is not int or not 1 <= month <= 12:
        raise ValueError
    if type(c.get("final")) is not bool:
        raise ValueError
    made_on = dt.date.fromisoformat(str(c.get("made_on")))
    rows = c.get("rows")
    if not isinstance(rows, list) or len(rows) > MAX_ROWS:
        raise ValueError
    clean_rows = []
    for row in rows:
        dusun = row.get("dusun") if isinstance(row, dict) else None
        if dusun is not None and not (isinstance(dusun, str) and len(dusun) <= 60):
            raise ValueError
        clean_rows.append({"dusun": dusun, **_counts(row)})
    total = _counts(c.get("total"))
    if clean_rows and any(
        sum(r[key] for r in clean_rows) != total[key] for key in COUNTS
    ):
        raise ValueError
    return {
        "year": year,
        "month": month,
        "final": c["final"],
        "made_on": made_on,
        "body": {"rows": clean_rows, "total": total},
    }


def key(row: dict[str, Any]) -> tuple[int, int]:
    return row["year"], row["month"]


def apply(village: HubVillage, rows: list[dict[str, Any]], now: dt.datetime) -> None:
    """Each report replaces the village's earlier version of its month."""
    for row in rows:
        db.session.execute(
            delete(HubMonthlyReport).where(
                HubMonthlyReport.village_id == village.id,
                HubMonthlyReport.year == row["year"],
                HubMonthlyReport.month == row["month"],
            )
        )
        db.session.add(HubMonthlyReport(village_id=village.id, received_at=now, **row))


# --- the kecamatan's table ------------------------------------------------------------

COLUMNS = (
    ("start", _l("Awal bulan")),
    ("births", _l("Lahir")),
    ("deaths", _l("Meninggal")),
    ("in", _l("Datang")),
    ("out", _l("Pindah")),
    ("end", _l("Akhir bulan")),
)


def _add(into: dict[str, int], counts: dict[str, int]) -> None:
    for name in COUNTS:
        into[name] = into.get(name, 0) + counts.get(name, 0)


def table(actor: Actor, year: int, month: int) -> dict[str, Any]:
    """The month's reports of the villages the actor sees, by kecamatan:
    {"kecamatans": [{"code", "name", "villages": [{"code", "name", "report":
    counts|None, "final", "made_on"}], "total": counts, "sent", "missing"}],
    "total": counts, "sent", "missing"}."""
    villages = list(db.session.scalars(villages_in_scope(actor)))
    reports = {
        r.village_id: r
        for r in db.session.scalars(
            select(HubMonthlyReport).where(
                HubMonthlyReport.year == year,
                HubMonthlyReport.month == month,
                HubMonthlyReport.village_id.in_([v.id for v in villages] or [0]),
            )
        )
    }
    groups: dict[str, dict[str, Any]] = {}
    grand: dict[str, int] = dict.fromkeys(COUNTS, 0)
    for village in villages:
        group = groups.setdefault(
            village.kecamatan_code,
            {
                "code": village.kecamatan_code,
                "name": village.kecamatan_name,
                "villages": [],
                "total": dict.fromkeys(COUNTS, 0),
                "sent": 0,
                "missing": 0,
            },
        )
        report = reports.get(village.id)
        counts = report.body["total"] if report else None
        group["villages"].append(
            {
                "code": village.code,
                "name": village.name,
                "report": counts,
                "final": bool(report and report.final),
                "made_on": report.made_on if report else None,
            }
        )
        if counts is None:
            group["missing"] += 1
            continue
        group["sent"] += 1
        _add(group["total"], counts)
        _add(grand, counts)
    kecamatans = sorted(groups.values(), key=lambda g: g["code"])
    return {
        "year": year,
        "month": month,
        "kecamatans": kecamatans,
        "total": grand,
        "sent": sum(g["sent"] for g in kecamatans),
        "missing": sum(g["missing"] for g in kecamatans),
    }


def sheet_rows(data: dict[str, Any]) -> list[list[Any]]:
    """The table as spreadsheet rows: one per village, a subtotal per kecamatan,
    the total; a village without a report has empty cells and says so."""
    rows: list[list[Any]] = []
    for group in data["kecamatans"]:
        for v in group["villages"]:
            counts = v["report"]
            cells = [counts[k] for k in COUNTS] if counts else [None] * len(COUNTS)
            state = (
                str(_l("belum mengirim"))
                if counts is None
                else str(_l("final") if v["final"] else _l("sementara"))
            )
            rows.append([group["name"], v["name"], v["code"], *cells, state])
        rows.append(
            [
                group["name"],
                str(_l("Jumlah kecamatan")),
                group["code"],
                *[group["total"][k] for k in COUNTS],
                "",
            ]
        )
    rows.append([str(_l("JUMLAH")), "", "", *[data["total"][k] for k in COUNTS], ""])
    return rows
