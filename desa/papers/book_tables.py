"""Each book's columns, in the regulation's order, and its rows for a period."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext as _

from desa.core.formatting import format_date
from desa.core.models import Village
from desa.papers import books
from desa.papers.books import MOVES, Period, Person
from desa.papers.table import Book, Column, Sign
from desa.residents.registry import EVENT_LABELS

CODES = {
    "induk": "B.1",
    "mutasi": "B.2",
    "rekap": "B.3",
    "sementara": "B.4",
    "ktp_kk": "B.5",
}


def titles() -> dict[str, str]:
    return {
        "induk": _("BUKU INDUK PENDUDUK"),
        "mutasi": _("BUKU MUTASI PENDUDUK DESA"),
        "rekap": _("BUKU REKAPITULASI JUMLAH PENDUDUK"),
        "sementara": _("BUKU PENDUDUK SEMENTARA"),
        "ktp_kk": _("BUKU KTP DAN KARTU KELUARGA"),
    }


def place_line(village: Village) -> str:
    """`DESA MERUBUNG KECAMATAN TEKARANG KABUPATEN SAMBAS`."""
    kind = (village.kind or "desa").upper()
    regency = village.regency.upper()
    if not regency.startswith(("KABUPATEN", "KOTA")):
        regency = f"KABUPATEN {regency}"
    return (
        f"{kind} {village.name.upper()} KECAMATAN {village.district.upper()} {regency}"
    )


def sign_of(village: Village, today: dt.date) -> Sign:
    return Sign(
        f"{village.name}, {format_date(today)}",
        village.head_title or _("Kepala Desa"),
        village.head_name or "",
    )


def _sex(p: Person) -> str:
    return "P" if p.sex == "P" else "L"


def _birth(p: Person) -> tuple[str, dt.date | None]:
    return (p.birth_place or "", p.birth_date)


def _born_cols() -> list[Column]:
    group = _("Tempat & tanggal lahir")
    return [
        Column(_("Tempat"), 17, group),
        Column(_("Tanggal"), 17, group, kind="date"),
    ]


def induk(period: Period, today: dt.date) -> tuple[list[Column], list[tuple]]:
    columns = [
        Column(_("No urut"), 9, kind="int", align="right"),
        Column(_("Nama lengkap"), 34),
        Column(_("Jenis kelamin (L/P)"), 9, align="centre"),
        Column(_("Status perkawinan"), 16),
        *_born_cols(),
        Column(_("Agama"), 14),
        Column(_("Pendidikan terakhir"), 19),
        Column(_("Pekerjaan"), 20),
        Column(_("Dapat membaca huruf"), 10),
        Column(_("Kewarga- negaraan"), 11, align="centre"),
        Column(_("Alamat lengkap"), 32),
        Column(_("Kedudukan dalam keluarga"), 17),
        Column(_("NIK"), 22),
        Column(_("Nomor KK"), 22),
        Column(_("Ket."), 8),
    ]
    rows = [
        (
            n,
            p.name,
            _sex(p),
            p.marital_status or "",
            *_birth(p),
            p.religion or "",
            p.education or "",
            p.occupation or "",
            "",
            p.citizenship,
            p.full_address,
            p.family_relation or "",
            p.nik,
            p.kk or "",
            "",
        )
        for n, p in enumerate(books.people_on(period.end(today)), start=1)
    ]
    return columns, rows


def mutasi(period: Period, today: dt.date) -> tuple[list[Column], list[tuple]]:
    added, reduced = _("Penambahan"), _("Pengurangan")
    columns = [
        Column(_("No"), 9, kind="int", align="right"),
        Column(_("Nama lengkap"), 40),
        *_born_cols(),
        Column(_("Jenis kelamin"), 11, align="centre"),
        Column(_("Kewarga- negaraan"), 13, align="centre"),
        Column(_("Datang dari"), 33, added),
        Column(_("Tanggal"), 18, added, kind="date"),
        Column(_("Pindah ke"), 33, reduced),
        Column(_("Tanggal"), 18, reduced, kind="date"),
        Column(_("Meninggal (tanggal)"), 20, reduced, kind="date"),
        Column(_("Keterangan"), 48),
    ]
    rows = []
    for n, m in enumerate(books.mutations(period, today), start=1):
        p = m.person
        came = (
            m.note if m.type == "move_in" else (_("Lahir") if m.type == "birth" else "")
        )
        went = m.note if m.type == "move_out" else ""
        label = _(EVENT_LABELS[m.type])
        note = (
            label
            if m.type in ("move_in", "move_out")
            else (f"{label}: {m.note}" if m.note else label)
        )
        rows.append(
            (
                n,
                p.name,
                *_birth(p),
                _sex(p),
                p.citizenship,
                came,
                m.date if m.addition else None,
                went,
                m.date if m.type == "move_out" else None,
                m.date if m.type == "death" else None,
                note,
            )
        )
    return columns, rows


def rekap_columns() -> list[Column]:
    cols = [
        Column(_("No"), 7, kind="int", align="right"),
        Column(_("Nama dusun"), 25),
    ]

    def people(group: str, with_families: bool) -> list[Column]:
        out = [
            Column(label, 7.4, group, kind="int", align="right")
            for label in ("WNA L", "WNA P", "WNI L", "WNI P")
        ]
        if with_families:
            out += [
                Column(_("Jml KK"), 8.5, group, kind="int", align="right"),
                Column(_("Jml anggota"), 9.5, group, kind="int", align="right"),
                Column(_("Jml jiwa"), 8.5, group, kind="int", align="right"),
            ]
        return out

    cols += people(_("Jumlah penduduk awal bulan"), True)
    for label in (
        _("Tambahan: lahir"),
        _("Tambahan: datang"),
        _("Pengurangan: meninggal"),
        _("Pengurangan: pindah"),
    ):
        cols += people(label, False)
    cols += people(_("Jumlah penduduk akhir bulan"), True)
    cols.append(Column(_("Ket."), 14.4))
    return cols


def rekap_line(n: int | str, name: str, r: books.RecapRow) -> tuple:
    keys = ("WNA_L", "WNA_P", "WNI_L", "WNI_P")
    cells: list[Any] = [n, name]
    cells += [r.awal[k] for k in keys]
    cells += [r.awal_kk, r.awal_jiwa - r.awal_kk, r.awal_jiwa]
    for kind in MOVES:
        cells += [r.moves[kind][k] for k in keys]
    cells += [r.akhir[k] for k in keys]
    cells += [r.akhir_kk, r.akhir_jiwa - r.akhir_kk, r.akhir_jiwa]
    cells.append("")
    return tuple(cells)


def rekap(period: Period, today: dt.date) -> tuple[list[Column], list[tuple], int]:
    data = books.recap(period, today)
    rows = [
        rekap_line(n, r.dusun or _("(tanpa dusun)"), r)
        for n, r in enumerate(data.rows, start=1)
    ]
    rows.append(rekap_line("", _("JUMLAH"), data.total))
    return rekap_columns(), rows, len(rows) - 1


def sementara(period: Period, today: dt.date) -> tuple[list[Column], list[tuple]]:
    from desa.papers import temporary

    columns = [
        Column(_("No"), 8, kind="int", align="right"),
        Column(_("Nama lengkap"), 30),
        Column(_("Jenis kelamin"), 9, align="centre"),
        Column(_("Nomor identitas"), 22),
        *_born_cols(),
        Column(_("Pekerjaan"), 18),
        Column(_("Kewarga- negaraan / kebangsaan"), 16),
        Column(_("Datang dari"), 22),
        Column(_("Maksud & tujuan kedatangan"), 24),
        Column(_("Nama & alamat yang didatangi"), 34),
        Column(_("Datang tanggal"), 17, kind="date"),
        Column(_("Pergi tanggal"), 17, kind="date"),
        Column(_("Keterangan"), 26),
    ]
    rows = []
    staying = temporary.staying_between(period.start, period.end(today))
    for n, t in enumerate(staying, start=1):
        nation = t.citizenship or "WNI"
        if nation == "WNA" and t.nationality:
            nation = f"WNA / {t.nationality}"
        host = ", ".join(x for x in (t.host_name, t.host_address) if x)
        rows.append(
            (
                n,
                t.name,
                t.sex,
                t.id_number or "",
                t.birth_place or "",
                t.birth_date,
                t.occupation or "",
                nation,
                t.came_from or "",
                t.purpose or "",
                host,
                t.arrived_on,
                t.left_on,
                t.note or "",
            )
        )
    return columns, rows


def ktp_kk(
    period: Period, today: dt.date, village: Village
) -> tuple[list[Column], list[tuple]]:
    issued = _("Tempat & tanggal dikeluarkan")
    parents = _("Orang tua")
    columns = [
        Column(_("No"), 7, kind="int", align="right"),
        Column(_("Nomor KK"), 19),
        Column(_("Nama lengkap"), 23),
        Column(_("NIK"), 19),
        Column(_("JK"), 5, align="centre"),
        Column(_("Tempat"), 13, _("Tempat & tanggal lahir")),
        Column(_("Tanggal"), 15, _("Tempat & tanggal lahir"), kind="date"),
        Column(_("Gol. darah"), 7, align="centre"),
        Column(_("Agama"), 11),
        Column(_("Pendidikan"), 12),
        Column(_("Pekerjaan"), 12),
        Column(_("Alamat"), 18),
        Column(_("Status perkawinan"), 13),
        Column(_("Tempat"), 11, issued),
        Column(_("Tanggal"), 15, issued, kind="date"),
        Column(_("SHDK"), 13),
        Column(_("WNI/ WNA"), 7, align="centre"),
        Column(_("Ayah"), 12, parents),
        Column(_("Ibu"), 12, parents),
        Column(_("Tgl mulai tinggal di desa"), 15, kind="date"),
        Column(_("Keterangan"), 18),
    ]
    place = village.regency
    rows = []
    people = books.people_on(period.end(today))
    people.sort(key=lambda p: (p.kk is None, p.kk or "", books.induk_key(p)[8:]))
    for n, p in enumerate(people, start=1):
        printed = p.card_printed
        issued_on = p.ektp_status_at.date() if printed and p.ektp_status_at else None
        rows.append(
            (
                n,
                p.kk or "",
                p.name,
                p.nik,
                _sex(p),
                *_birth(p),
                p.blood_type or "",
                p.religion or "",
                p.education or "",
                p.occupation or "",
                p.full_address,
                p.marital_status or "",
                place if printed else "",
                issued_on,
                p.family_relation or "",
                p.citizenship,
                p.father_name or "",
                p.mother_name or "",
                p.since,
                p.ektp_label,
            )
        )
    return columns, rows


def build(key: str, period: Period, today: dt.date, village: Village) -> Book:
    """The book `key` for the period, ready to print or write."""
    bold: frozenset[int] = frozenset()
    size = 6.5
    if key == "induk":
        columns, rows = induk(period, today)
    elif key == "mutasi":
        columns, rows = mutasi(period, today)
    elif key == "rekap":
        columns, rows, total_at = rekap(period, today)
        bold = frozenset({total_at})
        size = 6.5
    elif key == "sementara":
        columns, rows = sementara(period, today)
    elif key == "ktp_kk":
        columns, rows = ktp_kk(period, today, village)
        size = 5.8
    else:
        raise KeyError(key)
    return Book(
        key=key,
        code=CODES[key],
        title=titles()[key],
        period_label=period.label,
        place=place_line(village),
        columns=columns,
        rows=rows,
        sign=sign_of(village, today),
        bold_rows=bold,
        font_size=size,
    )


def cell_text(value: Any) -> str:
    """A value as printed: dates as `23 November 2026`, None as empty."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return format_date(value)
    return str(value)
