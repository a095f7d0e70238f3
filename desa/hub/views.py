"""The hub's pages: Table 1 (HTML with a chart, XLSX, A4 PDF), the villages and
their sync state, and the NIKs found in more than one village."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from desa.auth import audit
from desa.auth.actor import current_actor
from desa.auth.permissions import Permission
from desa.core.db import begin_write
from desa.core.errors import NotFound, ValidationError
from desa.core.formatting import format_date
from desa.core.security import require
from desa.core.templating import register_nav, set_place_resolver
from desa.exports import reports
from desa.exports.api import parse_as_of
from desa.extensions import db
from desa.hub import duplicates, figures, services
from desa.hub.models import HubResident

bp = Blueprint("hub", __name__, url_prefix="/hub")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_KECAMATAN = re.compile(r"\d{2}\.\d{2}\.\d{2}")


@bp.record_once
def _register(_state: Any) -> None:
    set_place_resolver(
        lambda: "hub" if services.settings() else "village", services.identity
    )
    register_nav(10, Permission.HUB_FIGURES, "hub.index", _l("Tabel 1"), "hub")
    register_nav(
        20, Permission.HUB_FIGURES, "hub.villages", _l("Desa & sinkron"), "hub"
    )
    register_nav(
        30, Permission.HUB_RESIDENTS, "hub.crossings", _l("NIK di dua desa"), "hub"
    )
    register_nav(
        25,
        Permission.HUB_FIGURES,
        "hub.monthly_reports",
        _l("Laporan bulanan"),
        "hub",
    )


def _areas(level: str) -> list[tuple[str, str]]:
    if level == "desa":
        return [
            (_("Desa"), "name"),
            (_("Kode"), "code"),
            (_("Sinkron terakhir"), "sync"),
        ]
    return [
        (_("Kecamatan"), "name"),
        (_("Kode"), "code"),
        (_("Sinkron terakhir"), "sync"),
    ]


def _table() -> tuple[Any, ...]:
    """Table 1 as the query string asks for it: (hub, as_of, level, kecamatan, data)."""
    hub = services.require_hub()
    actor = current_actor()
    level = request.args.get("level") or "kecamatan"
    kecamatan = request.args.get("kecamatan") or None
    if level not in figures.LEVELS:
        raise ValidationError(_("Tingkat tabel harus kecamatan atau desa."))
    if kecamatan is not None and not _KECAMATAN.fullmatch(kecamatan):
        raise ValidationError(_("Kode kecamatan harus berbentuk 61.01.12."))
    if kecamatan:
        level = "desa"
    as_of = parse_as_of(request.args.get("as_of"), actor.today)
    data = figures.table(actor, as_of, level, kecamatan)
    now = actor.now
    for row in data["rows"]:
        row["stale"] = figures.is_stale(row["last_sync"], now)
        row["sync"] = _sync_text(row)
    return hub, as_of, level, kecamatan, data


def _sync_text(row: dict[str, Any]) -> str:
    if row["last_sync"] is None:
        return _("belum pernah")
    when = dt.datetime.fromisoformat(row["last_sync"])
    text = format_date(when.date())
    return text + (_(" (lama)") if row["stale"] else "")


def _heading(hub: Any, as_of: Any, kecamatan: str | None, data: dict) -> list[str]:
    title = _("Tabel 1. Rekapitulasi perekaman KTP-el %(hub)s", hub=hub.name)
    scope = ""
    if kecamatan:
        names = {v.kecamatan_code: v.kecamatan_name for v in _villages()}
        scope = _(" · Kecamatan %(k)s", k=names.get(kecamatan, kecamatan))
    return [title, _("Per %(d)s", d=format_date(as_of)) + scope]


def _villages() -> list[Any]:
    return list(db.session.scalars(figures.villages_in_scope(current_actor())))


@bp.get("")
@require(Permission.HUB_FIGURES)
def index():
    """Table 1 per kecamatan (or per desa of one kecamatan), with a chart."""
    hub, as_of, level, kecamatan, data = _table()
    title, subtitle = _heading(hub, as_of, kecamatan, data)
    kecamatans = sorted({(v.kecamatan_code, v.kecamatan_name) for v in _villages()})
    from desa.hub import targets

    with_targets = targets.explained(current_actor(), data, level)
    return render_template(
        "hub/figures.html",
        hub=hub,
        data=data,
        as_of=as_of,
        level=level,
        kecamatan=kecamatan,
        kecamatans=kecamatans,
        title=title,
        subtitle=subtitle,
        header=reports.table_header(_areas(level)),
        chart=reports.figures_svg(data, label=lambda r: r["name"]),
        pct=reports.pct_text,
        with_targets=with_targets,
    )


def _file_name(as_of: Any, extension: str) -> str:
    return f"tabel-1-ktp-el-{as_of:%Y%m%d}.{extension}"


@bp.get("/figures.xlsx")
@require(Permission.HUB_FIGURES)
def figures_xlsx():
    """Table 1 as an XLSX workbook."""
    hub, as_of, level, kecamatan, data = _table()
    body = reports.figures_xlsx(
        data,
        None,
        _heading(hub, as_of, kecamatan, data),
        areas=_areas(level),
        area_widths=(28, 15, 18),
    )
    name = _file_name(as_of, "xlsx")
    return Response(
        body,
        mimetype=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/figures.pdf")
@require(Permission.HUB_FIGURES)
def figures_pdf():
    """Table 1 as an A4 landscape PDF under the hub's letterhead."""
    from desa.documents.drawing import Letterhead
    from desa.exports.figures_pdf import render_figures

    hub, as_of, level, kecamatan, data = _table()
    title, subtitle = _heading(hub, as_of, kecamatan, data)
    head = Letterhead(
        province="",
        regency=hub.name,
        district="",
        village_title="",
        lines=(
            f"PEMERINTAH {hub.name.upper()}",
            _("DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL"),
            _("REKAPITULASI PEREKAMAN KTP-EL"),
        ),
    )
    body = render_figures(
        head, title, subtitle, data, [], areas=_areas(level), area_mm=(44, 24, 30)
    )
    name = _file_name(as_of, "pdf")
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )


@bp.get("/villages")
@require(Permission.HUB_FIGURES)
def villages():
    """Every village the actor sees, with its last bundle and residents held."""
    services.require_hub()
    actor = current_actor()
    rows = _villages()
    counts = dict(
        db.session.execute(
            select(HubResident.village_id, func.count()).group_by(
                HubResident.village_id
            )
        ).all()
    )
    stale = {
        v.id: figures.is_stale(figures.last_sync_text(v.last_applied_at), actor.now)
        for v in rows
    }
    return render_template(
        "hub/villages.html", villages=rows, counts=counts, stale=stale
    )


@bp.get("/villages/<code>")
@require(Permission.HUB_FIGURES)
def village(code: str):
    """One village's figures per dusun/RW/RT, from its last bundle."""
    from desa.auth.scope import scopes
    from desa.exports.api import parse_level
    from desa.exports.figures import area_label
    from desa.hub.models import HubVillage

    services.require_hub()
    actor = current_actor()
    found = scopes.get(actor, HubVillage, HubVillage.code == code)
    if found is None:
        raise NotFound(_("Desa %(code)s belum terdaftar di hub ini.", code=code))
    as_of = parse_as_of(request.args.get("as_of"), actor.today)
    level = parse_level(request.args.get("by"))
    data = figures.village_table(actor, found, as_of, level)
    return render_template(
        "hub/village.html",
        village=found,
        data=data,
        as_of=as_of,
        level=level,
        header=reports.table_header(),
        chart=reports.figures_svg(data),
        area_label=area_label,
        pct=reports.pct_text,
        last_sync=figures.last_sync_text(found.last_applied_at),
    )


@bp.get("/duplicates")
@require(Permission.HUB_RESIDENTS)
def crossings():
    """NIKs held by more than one village: duplicates to correct, matched moves."""
    services.require_hub()
    actor = current_actor()
    found = duplicates.crossings(actor)
    begin_write(only_read_audit=True)
    audit.record(
        actor,
        "hub.duplicates.read",
        detail=f"{len(found)} NIK di lebih dari satu desa",
    )
    return render_template(
        "hub/duplicates.html",
        crossings=found,
        summary=duplicates.summary(found),
        DUPLICATE=duplicates.DUPLICATE,
    )


# --- the villages' monthly population reports -------------------------------------


def _report_period() -> tuple[int, int]:
    """`?tahun=&bulan=` (default: last month, the one the villages report on now)."""
    from desa.core.numbers import whole_number

    today = current_actor().today
    last = today.replace(day=1) - dt.timedelta(days=1)
    year_raw, month_raw = request.args.get("tahun"), request.args.get("bulan")
    year = last.year if year_raw in (None, "") else whole_number(year_raw, 2000, 9999)
    month = last.month if month_raw in (None, "") else whole_number(month_raw, 1, 12)
    if year is None or month is None:
        raise ValidationError(_("Bulan harus 1–12 dan tahun empat angka."))
    if (year, month) > (today.year, today.month):
        raise ValidationError(_("Laporan bulan yang belum berjalan belum ada."))
    return year, month


def _report_title(hub: Any, year: int, month: int) -> list[str]:
    from desa.core.formatting import MONTHS_ID

    return [
        _("Laporan bulanan penduduk desa · %(hub)s", hub=hub.name),
        _("Bulan %(m)s %(y)d", m=MONTHS_ID[month - 1], y=year),
    ]


@bp.get("/reports")
@require(Permission.HUB_FIGURES)
def monthly_reports():
    """The villages' monthly reports for one month, summed per kecamatan."""
    from desa.core.formatting import MONTHS_ID
    from desa.hub import reports as monthly

    hub = services.require_hub()
    year, month = _report_period()
    data = monthly.table(current_actor(), year, month)
    title, subtitle = _report_title(hub, year, month)
    return render_template(
        "hub/reports.html",
        hub=hub,
        data=data,
        year=year,
        month=month,
        title=title,
        subtitle=subtitle,
        months=list(enumerate(MONTHS_ID, start=1)),
        columns=monthly.COLUMNS,
    )


@bp.get("/reports.xlsx")
@require(Permission.HUB_FIGURES)
def monthly_reports_xlsx():
    """The same table as an XLSX workbook: a row per village, per kecamatan, total."""
    import tempfile
    from pathlib import Path

    from desa.core.spreadsheet import write_xlsx
    from desa.hub import reports as monthly

    services.require_hub()
    year, month = _report_period()
    data = monthly.table(current_actor(), year, month)
    sexes = {"l": "L", "p": "P", "kk": "KK"}
    columns = [_("Kecamatan"), _("Desa"), _("Kode")]
    for name in monthly.COUNTS:
        flow, sex = name.rsplit("_", 1)
        label = dict(monthly.COLUMNS)[flow]
        columns.append(f"{label} {sexes[sex]}")
    columns.append(_("Laporan"))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "laporan.xlsx"
        write_xlsx(
            path,
            sheet=_("Laporan bulanan"),
            columns=columns,
            rows=monthly.sheet_rows(data),
            text_columns=[_("Kode")],
            banner=True,
            freeze_header=True,
        )
        body = path.read_bytes()
    name = f"laporan-bulanan-penduduk-{year}-{month:02d}.xlsx"
    return Response(
        body,
        mimetype=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
