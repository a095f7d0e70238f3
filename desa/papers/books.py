"""The population books of Permendagri 47/2016 (Lampiran, administrasi penduduk)
read from the registry and its history, for a month or a year.

One definition of "who lived here on day D, and how" serves every book and the
monthly report (`people_on`): a resident is present on D when born by D and
their life status on D is active. That status is read from the life events
(death, move out, move in, dated by the event): before the earliest such event
after D a person lived here if it was a death or a move out, and did not if it
was a move in; with no life event after D it is today's status. Residents
recorded without events (the initial import) therefore count since birth, as
they are today. The other fields on D are today's values with every
ResidentChange written after D undone (the `before` of the earliest one).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from desa.core.formatting import MONTHS_ID
from desa.core.village import get_village, village_zone
from desa.extensions import db
from desa.residents.models import (
    PRINTED_CODES,
    LifeStatus,
    Resident,
    ResidentChange,
    ResidentEvent,
    ektp_shown,
)

BOOKS = ("induk", "mutasi", "rekap", "sementara", "ktp_kk")
LIFE_EVENTS = ("death", "move_out", "move_in")
MUTATION_EVENTS = ("birth", "move_in", "move_out", "death")
# The family relations in the order of a family card: the head first.
SHDK_ORDER = (
    "KEPALA KELUARGA",
    "SUAMI",
    "ISTRI",
    "ANAK",
    "MENANTU",
    "CUCU",
    "ORANG TUA",
    "MERTUA",
    "FAMILI LAIN",
    "PEMBANTU",
    "LAINNYA",
)
_SHDK_RANK = {name: i for i, name in enumerate(SHDK_ORDER)}

# The register's columns a book prints, and which of them the history replays.
_TEXT_FIELDS = (
    "nik",
    "kk",
    "family_relation",
    "name",
    "sex",
    "birth_place",
    "religion",
    "marital_status",
    "occupation",
    "education",
    "citizenship",
    "address",
    "dusun",
    "rw",
    "rt",
)
_OPTIONAL = ("blood_type", "father_name", "mother_name")


class PeriodError(ValueError):
    """A month or year a book cannot be made for (its message is for the person)."""


@dataclass(frozen=True)
class Period:
    """A month (`month` 1–12) or a whole year (`month` None)."""

    year: int
    month: int | None = None

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, self.month or 1, 1)

    @property
    def last_day(self) -> dt.date:
        if self.month is None or self.month == 12:
            return dt.date(self.year, 12, 31)
        return dt.date(self.year, self.month + 1, 1) - dt.timedelta(days=1)

    def end(self, today: dt.date) -> dt.date:
        """The period's last day, or today for the running period."""
        return min(self.last_day, today)

    @property
    def label(self) -> str:
        """`BULAN NOVEMBER TAHUN 2026` or `TAHUN 2026`."""
        if self.month is None:
            return _("TAHUN %(y)d", y=self.year)
        return _(
            "BULAN %(m)s TAHUN %(y)d", m=MONTHS_ID[self.month - 1].upper(), y=self.year
        )

    @property
    def slug(self) -> str:
        return f"{self.year:04d}" + (f"-{self.month:02d}" if self.month else "")


def parse_period(year: Any, month: Any, today: dt.date) -> Period:
    """The period from a form's year and month ("" or absent: the whole year).

    Raises PeriodError for anything that is not a month of a year from 1900 on,
    or for a period that has not begun."""
    year_text = str(year or "").strip()
    month_text = str(month or "").strip()
    if not (year_text.isascii() and year_text.isdigit()) or len(year_text) != 4:
        raise PeriodError(_("Tahun harus empat angka, misalnya %(y)d.", y=today.year))
    number = int(year_text)
    if number < 1900:
        raise PeriodError(_("Tahun paling awal 1900."))
    month_no: int | None = None
    if month_text:
        if not (month_text.isascii() and month_text.isdigit()) or len(month_text) > 2:
            raise PeriodError(_("Bulan harus angka 1 sampai 12."))
        month_no = int(month_text)
        if not 1 <= month_no <= 12:
            raise PeriodError(_("Bulan harus angka 1 sampai 12."))
    period = Period(number, month_no)
    if period.start > today:
        raise PeriodError(_("Periode itu belum dimulai; pilih bulan atau tahun lalu."))
    return period


@dataclass(slots=True)
class Person:
    """A resident as they were on one day (the books' row material)."""

    id: int
    nik: str
    kk: str | None
    family_relation: str | None
    name: str
    sex: str
    birth_place: str | None
    birth_date: dt.date | None
    religion: str | None
    marital_status: str | None
    occupation: str | None
    education: str | None
    citizenship: str
    address: str | None
    dusun: str | None
    rw: str | None
    rt: str | None
    ektp_status: int | None
    ektp_status_at: dt.datetime | None
    blood_type: str | None = None
    father_name: str | None = None
    mother_name: str | None = None
    present: bool = True
    since: dt.date | None = None  # the last move in by the day (or birth here)

    @property
    def full_address(self) -> str:
        parts = [self.address or ""]
        if self.rt or self.rw:
            parts.append(f"RT {self.rt or '-'}/RW {self.rw or '-'}")
        if self.dusun:
            parts.append(f"Dusun {self.dusun}")
        return ", ".join(p for p in parts if p)

    @property
    def ektp_label(self) -> str:
        return ektp_shown(self.ektp_status)

    @property
    def card_printed(self) -> bool:
        return self.ektp_status in PRINTED_CODES


def day_end_utc(day: dt.date) -> dt.datetime:
    """The first instant after `day` in the village, as the naive UTC of history rows."""
    zone = village_zone(get_village())
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone)
    return end.astimezone(dt.UTC).replace(tzinfo=None)


def _columns() -> list[Any]:
    cols = [Resident.id, *(getattr(Resident, f) for f in _TEXT_FIELDS)]
    cols += [Resident.birth_date, Resident.ektp_status, Resident.ektp_status_at]
    cols += [Resident.life_status]
    cols += [getattr(Resident, f) for f in _OPTIONAL if hasattr(Resident, f)]
    return cols


def _replayed(day: dt.date) -> dict[int, dict[str, Any]]:
    """resident id → {field: value on `day`} for fields changed after it."""
    cutoff = day_end_utc(day)
    names = (*_TEXT_FIELDS, "birth_date", "ektp_status", *_OPTIONAL)
    out: dict[int, dict[str, Any]] = defaultdict(dict)
    rows = db.session.execute(
        select(ResidentChange.resident_id, ResidentChange.field, ResidentChange.before)
        .where(ResidentChange.changed_at >= cutoff, ResidentChange.field.in_(names))
        .order_by(ResidentChange.changed_at.desc(), ResidentChange.id.desc())
    )
    for resident_id, name, before in rows:
        out[resident_id][name] = before  # written last: the earliest change's before
    return out


def _convert(name: str, raw: Any) -> Any:
    if raw is None or raw == "":
        return None
    if name == "birth_date":
        try:
            return dt.date.fromisoformat(str(raw)[:10])
        except ValueError:
            return None
    if name == "ektp_status":
        text = str(raw)
        return int(text) if text.isdigit() else None
    return str(raw)


def life_events() -> dict[int, list[tuple[dt.date, int, str]]]:
    """resident id → their life and birth events (date, id, type), oldest first."""
    out: dict[int, list[tuple[dt.date, int, str]]] = defaultdict(list)
    rows = db.session.execute(
        select(
            ResidentEvent.resident_id,
            ResidentEvent.date,
            ResidentEvent.id,
            ResidentEvent.type,
        )
        .where(ResidentEvent.type.in_(MUTATION_EVENTS))
        .order_by(ResidentEvent.date, ResidentEvent.id)
    )
    for resident_id, date, event_id, type_ in rows:
        out[resident_id].append((date, event_id, type_))
    return out


def _present(
    life_today: str,
    birth_date: dt.date | None,
    events: list[tuple[dt.date, int, str]],
    day: dt.date,
) -> tuple[bool, dt.date | None]:
    """Whether the person lived here on `day`, and since when (last move in/birth)."""
    if birth_date is not None and birth_date > day:
        return False, None
    since = None
    for date, _id, type_ in events:
        if date > day:
            if type_ == "move_in":
                return False, None
            if type_ in ("death", "move_out"):
                return True, since
            continue
        if type_ in ("move_in", "birth"):
            since = date
    return life_today == LifeStatus.ACTIVE, since


def people_on(
    day: dt.date,
    events: dict[int, list[tuple[dt.date, int, str]]] | None = None,
    *,
    everyone: bool = False,
) -> list[Person]:
    """Everyone present on `day` as they were then (or `everyone`, with `present`
    set), in the Buku Induk's order: dusun, RW, RT, KK, SHDK (the head first), name."""
    if events is None:
        events = life_events()
    replay = _replayed(day)
    optional = [f for f in _OPTIONAL if hasattr(Resident, f)]
    names = ["id", *_TEXT_FIELDS, "birth_date", "ektp_status", "ektp_status_at"]
    names += ["life_status", *optional]
    out = []
    for row in db.session.execute(select(*_columns())):
        values = dict(zip(names, row, strict=True))
        undo = replay.get(values["id"])
        if undo:
            for name, raw in undo.items():
                if name in values:
                    values[name] = _convert(name, raw)
        life = values.pop("life_status")
        present, since = _present(
            life, values["birth_date"], events.get(values["id"], ()), day
        )
        if not (present or everyone):
            continue
        values["sex"] = values["sex"] or "L"
        values["citizenship"] = values["citizenship"] or "WNI"
        out.append(Person(**values, present=present, since=since))
    out.sort(key=induk_key)
    return out


def induk_key(p: Person) -> tuple:
    """Dusun, RW, RT (the unknown last), KK, SHDK, name."""
    return (
        p.dusun is None,
        p.dusun or "",
        p.rw is None,
        p.rw or "",
        p.rt is None,
        p.rt or "",
        p.kk is None,
        p.kk or "",
        _SHDK_RANK.get((p.family_relation or "").upper(), len(SHDK_ORDER)),
        (p.name or "").upper(),
        p.id,
    )


# ------------------------------------------------------------------ the mutations


@dataclass(slots=True)
class Mutation:
    """One event of the Buku Mutasi: an addition (birth, move in) or a reduction."""

    date: dt.date
    type: str
    note: str
    person: Person

    @property
    def addition(self) -> bool:
        return self.type in ("birth", "move_in")


def mutations(period: Period, today: dt.date) -> list[Mutation]:
    """Every birth, move in, move out and death dated in the period, in date order;
    the person as they were at the period's end."""
    start, end = period.start, period.end(today)
    rows = db.session.execute(
        select(
            ResidentEvent.resident_id,
            ResidentEvent.date,
            ResidentEvent.type,
            ResidentEvent.note,
        )
        .where(
            ResidentEvent.type.in_(MUTATION_EVENTS),
            ResidentEvent.date >= start,
            ResidentEvent.date <= end,
        )
        .order_by(ResidentEvent.date, ResidentEvent.id)
    ).all()
    if not rows:
        return []
    people = {p.id: p for p in people_on(end, everyone=True)}
    return [
        Mutation(date, type_, note or "", people[resident_id])
        for resident_id, date, type_, note in rows
        if resident_id in people
    ]


# ------------------------------------------------------------------ the recap


SEXES = ("L", "P")
CITIZENSHIPS = ("WNA", "WNI")
MOVES = ("lahir", "datang", "meninggal", "pindah")


def _counts() -> dict[str, int]:
    return {f"{c}_{s}": 0 for c in CITIZENSHIPS for s in SEXES}


@dataclass
class RecapRow:
    """One dusun's line of the Buku Rekapitulasi (or the JUMLAH line)."""

    dusun: str | None
    awal: dict[str, int] = field(default_factory=_counts)
    awal_kk: int = 0
    moves: dict[str, dict[str, int]] = field(
        default_factory=lambda: {m: _counts() for m in MOVES}
    )
    akhir: dict[str, int] = field(default_factory=_counts)
    akhir_kk: int = 0

    @property
    def awal_jiwa(self) -> int:
        return sum(self.awal.values())

    @property
    def akhir_jiwa(self) -> int:
        return sum(self.akhir.values())

    def moved(self, kind: str) -> int:
        return sum(self.moves[kind].values())

    def balanced(self) -> bool:
        """awal + tambahan − pengurangan = akhir, in every column."""
        m = self.moves
        return all(
            self.awal[k]
            + m["lahir"][k]
            + m["datang"][k]
            - m["meninggal"][k]
            - m["pindah"][k]
            == self.akhir[k]
            for k in self.awal
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "dusun": self.dusun,
            "awal": {**self.awal, "kk": self.awal_kk, "jiwa": self.awal_jiwa},
            **{k: dict(v) for k, v in self.moves.items()},
            "akhir": {**self.akhir, "kk": self.akhir_kk, "jiwa": self.akhir_jiwa},
        }


@dataclass
class Recap:
    period: Period
    start: dt.date  # the day before the period: "awal"
    end: dt.date  # the period's last day (or today): "akhir"
    rows: list[RecapRow]
    total: RecapRow


def _bucket(p: Person) -> tuple[str | None, str]:
    citizenship = "WNA" if p.citizenship == "WNA" else "WNI"
    return p.dusun, f"{citizenship}_{'P' if p.sex == 'P' else 'L'}"


class Registry:
    """The registry read once for several recaps (the bundle's three months):
    the events, and everyone as they were on each day asked for."""

    def __init__(self) -> None:
        self.events = life_events()
        self._days: dict[dt.date, list[Person]] = {}

    def everyone_on(self, day: dt.date) -> list[Person]:
        if day not in self._days:
            self._days[day] = people_on(day, self.events, everyone=True)
        return self._days[day]


def recap(period: Period, today: dt.date, registry: Registry | None = None) -> Recap:
    """Per dusun: at the start, born, came, died, left, at the end.

    The start is the day before the period, the end its last day (or today). The
    moves are the period's events; where the events do not explain a person's
    change between start and end (a baby imported without a birth event, data
    changed by hand) the difference is counted as born (born in the period) or
    came, or as left, so that awal + tambahan − pengurangan = akhir always holds.
    A person whose dusun, sex or citizenship changed while living here counts as
    left in the old column and came in the new one.
    """
    before = period.start - dt.timedelta(days=1)
    end = period.end(today)
    registry = registry or Registry()
    events = registry.events
    first = {p.id: p for p in registry.everyone_on(before) if p.present}
    last = {p.id: p for p in registry.everyone_on(end)}
    rows: dict[str | None, RecapRow] = {}
    kks: dict[tuple[str, str | None], set[str]] = defaultdict(set)

    def row(dusun: str | None) -> RecapRow:
        return rows.setdefault(dusun, RecapRow(dusun))

    for p in first.values():
        dusun, key = _bucket(p)
        row(dusun).awal[key] += 1
        if p.kk:
            kks[("awal", dusun)].add(p.kk)
    for pid, p in last.items():
        dusun, key = _bucket(p)
        if p.present:
            row(dusun).akhir[key] += 1
            if p.kk:
                kks[("akhir", dusun)].add(p.kk)
        counted = dict.fromkeys(MOVES, 0)
        for date, _id, type_ in events.get(pid, ()):
            if before < date <= end:
                kind = {
                    "birth": "lahir",
                    "move_in": "datang",
                    "death": "meninggal",
                    "move_out": "pindah",
                }[type_]
                counted[kind] += 1
        was = first.get(pid)
        start_here = 0
        if was is not None:
            if _bucket(was) == (dusun, key):
                start_here = 1
            else:  # moved between columns while living here
                old_dusun, old_key = _bucket(was)
                row(old_dusun).moves["pindah"][old_key] += 1
                counted["datang"] += 1
        gap = (int(p.present) - start_here) - (
            counted["lahir"]
            + counted["datang"]
            - counted["meninggal"]
            - counted["pindah"]
        )
        if gap > 0:
            born_here = p.birth_date is not None and p.birth_date > before
            counted["lahir" if born_here else "datang"] += gap
        elif gap < 0:
            counted["pindah"] += -gap
        target = row(dusun)
        for kind, n in counted.items():
            target.moves[kind][key] += n
    for (when, dusun), numbers in kks.items():
        setattr(row(dusun), f"{when}_kk", len(numbers))
    ordered = sorted(rows.values(), key=lambda r: (r.dusun is None, r.dusun or ""))
    total = RecapRow(None)
    for r in ordered:
        for k in total.awal:
            total.awal[k] += r.awal[k]
            total.akhir[k] += r.akhir[k]
            for kind in MOVES:
                total.moves[kind][k] += r.moves[kind][k]
        total.awal_kk += r.awal_kk
        total.akhir_kk += r.akhir_kk
    return Recap(period, before, end, ordered, total)
