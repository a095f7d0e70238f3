"""The campaign planner: from every village's pending list to team-days.

Pure: it takes what is to be recorded (per village: the pending by RT, the frail,
each employer's staff) and the teams and working days, and returns sessions. It
packs the work into the fewest team-days it can:

- a village with at least a day's work gets whole days at its hall, RT after RT
  (the RT head brings the group); what is left of it, when less than
  `VILLAGE_DAY_SHARE` of a day, goes to the kecamatan office, whose days take the
  villages' remainders one after the other, so only a kecamatan's last office day
  runs short;
- the frail are visited at home, in rounds through the kecamatan's villages;
- short days of a kecamatan share a day (the office in the morning, the homes in
  the afternoon);
- a big employer's staff are recorded at its site on Saturdays (whole days), the
  rest of an employer's staff in the evening; staff of employers too small for
  an evening of their own share an evening at their village's hall.

A kecamatan is served by one team; kecamatan go to teams by longest work first to
the least loaded team, a team's own kecamatan first. Each team takes its days in
order on working days from the start; what does not fit before the end is left
uncovered and counted, never dropped silently. An evening counts for its hours
as a share of a team-day.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

# A village's remainder at least this share of a day gets its own day at the hall.
VILLAGE_DAY_SHARE = 0.75
# An employer with at least this share of an evening's places gets its own evening.
EMPLOYER_EVENING_SHARE = 0.5
# Packing the kits and going on to the next place, when two short shifts share a day.
MOVE_MINUTES = 30


@dataclass(frozen=True)
class Employer:
    local_id: int
    name: str
    address: str | None
    people: int


@dataclass
class VillageDemand:
    village_id: int
    code: str
    name: str
    kecamatan_code: str
    kecamatan_name: str
    # (rw, rt, people) in RT order: the pending who are neither frail nor staff.
    rts: list[tuple[str | None, str | None, int]] = field(default_factory=list)
    frail: int = 0
    employers: list[Employer] = field(default_factory=list)
    # Working away until after the campaign: counted, not planned for.
    away: int = 0

    @property
    def ordinary(self) -> int:
        return sum(n for _rw, _rt, n in self.rts)

    @property
    def staff(self) -> int:
        return sum(e.people for e in self.employers)


@dataclass(frozen=True)
class TeamInfo:
    id: int
    name: str
    stations: int
    base_kecamatan: str


@dataclass(frozen=True)
class Pace:
    minutes_per_person: int
    minutes_frail: int
    day_start: dt.time
    day_end: dt.time
    evening_start: dt.time
    evening_end: dt.time

    @property
    def day_minutes(self) -> int:
        return _minutes(self.day_end) - _minutes(self.day_start)

    @property
    def evening_minutes(self) -> int:
        return _minutes(self.evening_end) - _minutes(self.evening_start)


@dataclass
class Slot:
    """One session of the plan: a village's share of a team's shift."""

    kind: str  # office | village | employer | home
    village_id: int
    place: str
    people: int
    minutes_per_person: int
    offset: int  # minutes after the shift's start
    length: int  # minutes
    rw: str | None = None
    rt: str | None = None
    employer_local_id: int | None = None


@dataclass
class Shift:
    """A team's day (or evening) at one place, before it has a date."""

    kecamatan_code: str
    evening: bool
    slots: list[Slot] = field(default_factory=list)
    team_id: int | None = None
    date: dt.date | None = None
    weekend: bool = False  # a Saturday at a big employer, its staff off work

    @property
    def people(self) -> int:
        return sum(s.people for s in self.slots)


@dataclass
class Plan:
    shifts: list[Shift]
    uncovered: dict[str, int]  # people per kind left without a shift
    demand_minutes: int
    team_days: float
    lower_bound: float
    people: dict[str, int]

    @property
    def ratio(self) -> float:
        return self.team_days / self.lower_bound if self.lower_bound else 1.0


def _minutes(value: dt.time) -> int:
    return value.hour * 60 + value.minute


def working_days(
    start: dt.date,
    end: dt.date,
    days_off: set[dt.date],
    holiday,
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4),
) -> list[dt.date]:
    """The days from `start` to `end` on `weekdays` (Monday to Friday unless
    told), without holidays and days off."""
    out = []
    day = start
    while day <= end:
        if day.weekday() in weekdays and day not in days_off and not holiday(day):
            out.append(day)
        day += dt.timedelta(days=1)
    return out


class _Packer:
    """Fills shifts of one capacity (people per shift) slot after slot."""

    def __init__(
        self, kecamatan: str, stations: int, per_person: int, length: int, evening: bool
    ) -> None:
        self.kecamatan, self.stations, self.per_person = kecamatan, stations, per_person
        self.rounds = length // per_person  # each round records `stations` people
        self.capacity = self.rounds * stations
        self.evening = evening
        self.shifts: list[Shift] = []
        self.used = 0  # people in the last shift

    def new_shift(self) -> Shift:
        shift = Shift(self.kecamatan, self.evening)
        self.shifts.append(shift)
        self.used = 0
        return shift

    def add(self, people: int, make) -> None:
        """Adds `people`, splitting them over shifts as needed; `make(n, offset,
        length)` gives the Slot for n people starting `offset` minutes in."""
        if self.capacity <= 0:
            return
        while people > 0:
            if not self.shifts or self.used >= self.capacity:
                self.new_shift()
            n = min(people, self.capacity - self.used)
            first_round = self.used // self.stations
            last_round = math.ceil((self.used + n) / self.stations)
            offset = first_round * self.per_person
            length = (last_round - first_round) * self.per_person
            self.shifts[-1].slots.append(make(n, offset, length))
            self.used += n
            people -= n

    def close(self) -> None:
        """The next add starts a new shift."""
        self.used = self.capacity


def _maker(kind: str, village_id: int, place: str, per_person: int, **extra: Any):
    """The Slot factory `_Packer.add` calls for each piece it places."""

    def make(people: int, offset: int, length: int) -> Slot:
        return Slot(
            kind, village_id, place, people, per_person, offset, length, **extra
        )

    return make


def plan_kecamatan(
    villages: list[VillageDemand],
    stations: int,
    pace: Pace,
    office_place: str,
    weekends: bool = False,
) -> list[Shift]:
    """The shifts one team needs for one kecamatan's villages."""
    if not villages:
        return []
    kecamatan = villages[0].kecamatan_code
    mpp = pace.minutes_per_person
    shifts: list[Shift] = []

    def day_packer(per_person: int) -> _Packer:
        return _Packer(kecamatan, stations, per_person, pace.day_minutes, False)

    office = day_packer(mpp)
    if office.capacity <= 0:
        return []
    for v in villages:
        hall = f"Balai {v.name}"
        village_days = day_packer(mpp)
        capacity = village_days.capacity
        full, rest = divmod(v.ordinary, capacity)
        at_hall = full * capacity
        if rest and rest >= VILLAGE_DAY_SHARE * capacity:
            at_hall += rest
        remaining = at_hall
        for rw, rt, n in v.rts:
            here = min(n, remaining)
            remaining -= here
            if here:
                reserved = {"rw": rw, "rt": rt} if rw and rt else {}
                village_days.add(
                    here, _maker("village", v.village_id, hall, mpp, **reserved)
                )
            if n - here:
                office.add(n - here, _maker("office", v.village_id, office_place, mpp))
        shifts += village_days.shifts
    # Consecutive office slots of one village in one shift are one session.
    for shift in office.shifts:
        shift.slots = _merge(shift.slots)
    shifts += office.shifts

    home = day_packer(pace.minutes_frail)
    for v in villages:
        if v.frail:
            place = f"Kunjungan rumah, {v.name}"
            home.add(v.frail, _maker("home", v.village_id, place, pace.minutes_frail))
    shifts += home.shifts

    for v in villages:
        evening = _Packer(kecamatan, stations, mpp, pace.evening_minutes, True)
        if evening.capacity <= 0:
            break
        pooled = 0
        for e in v.employers:
            place = (e.address or e.name)[:150]
            made = _maker(
                "employer", v.village_id, place, mpp, employer_local_id=e.local_id
            )
            # A big employer: whole Saturdays at its site, the rest in the evening.
            saturdays = day_packer(mpp)
            full, rest = divmod(e.people, saturdays.capacity)
            days = full + (1 if rest >= VILLAGE_DAY_SHARE * saturdays.capacity else 0)
            days = days if weekends else 0
            on_saturday = min(e.people, days * saturdays.capacity)
            if on_saturday:
                saturdays.add(on_saturday, made)
                for shift in saturdays.shifts:
                    shift.weekend = True
                shifts += saturdays.shifts
            left = e.people - on_saturday
            if not left:
                continue
            if left >= EMPLOYER_EVENING_SHARE * evening.capacity:
                evening.close()
                evening.add(left, made)
            else:
                pooled += left
        if pooled:
            evening.close()
            evening.add(
                pooled, _maker("employer", v.village_id, f"Balai {v.name}", mpp)
            )
        shifts += evening.shifts
    return _share_days(shifts, pace.day_minutes)


def _used(shift: Shift) -> int:
    return max((slot.offset + slot.length for slot in shift.slots), default=0)


def _share_days(shifts: list[Shift], day_minutes: int) -> list[Shift]:
    """Short weekday shifts of a kecamatan share a day, the longest first (first
    fit): the office's last day and a last round of home visits become a morning
    at the office and an afternoon at the homes, with `MOVE_MINUTES` between."""
    whole, short = [], []
    for shift in shifts:
        room = day_minutes - _used(shift)
        if shift.evening or shift.weekend or room < MOVE_MINUTES + 1:
            whole.append(shift)
        else:
            short.append(shift)
    days: list[Shift] = []
    for shift in sorted(short, key=_used, reverse=True):
        length = _used(shift)
        host = next(
            (d for d in days if _used(d) + MOVE_MINUTES + length <= day_minutes), None
        )
        if host is None:
            days.append(shift)
            continue
        start = _used(host) + MOVE_MINUTES
        for slot in shift.slots:
            slot.offset += start
            host.slots.append(slot)
    return whole + days


def _merge(slots: list[Slot]) -> list[Slot]:
    out: list[Slot] = []
    for slot in slots:
        last = out[-1] if out else None
        if last and last.village_id == slot.village_id and last.kind == slot.kind:
            last.people += slot.people
            last.length = slot.offset + slot.length - last.offset
        else:
            out.append(slot)
    return out


def _work(v: VillageDemand, pace: Pace) -> int:
    return (
        v.ordinary + v.staff
    ) * pace.minutes_per_person + v.frail * pace.minutes_frail


def assign(
    by_kecamatan: dict[str, list[VillageDemand]], teams: list[TeamInfo], pace: Pace
) -> dict[str, TeamInfo]:
    """Each kecamatan to one team: the longest work first, to the team with the
    fewest days so far; among equals, the team based there."""
    load = {t.id: 0.0 for t in teams}
    out: dict[str, TeamInfo] = {}
    work = {k: sum(_work(v, pace) for v in vs) for k, vs in by_kecamatan.items()}
    for kecamatan in sorted(work, key=lambda k: (-work[k], k)):

        def cost(t: TeamInfo, k: str = kecamatan) -> tuple[float, int, int]:
            days = work[k] / max(1, t.stations * pace.day_minutes)
            return (load[t.id] + days, 0 if t.base_kecamatan == k else 1, t.id)

        team = min(teams, key=cost)
        out[kecamatan] = team
        load[team.id] += work[kecamatan] / max(1, team.stations * pace.day_minutes)
    return out


def plan(
    demand: Iterable[VillageDemand],
    teams: list[TeamInfo],
    pace: Pace,
    days: list[dt.date],
    office_places: dict[str, str],
    busy: set[tuple[int, dt.date]] | frozenset = frozenset(),
    saturdays: list[dt.date] | None = None,
) -> Plan:
    """The whole plan: shifts with a team and a date, and what is left over.
    `busy` holds the (team id, day) pairs other campaigns already hold."""
    by_kecamatan: dict[str, list[VillageDemand]] = {}
    people = {"village": 0, "frail": 0, "staff": 0, "away": 0}
    minutes = 0
    for v in demand:
        by_kecamatan.setdefault(v.kecamatan_code, []).append(v)
        people["village"] += v.ordinary
        people["frail"] += v.frail
        people["staff"] += v.staff
        people["away"] += v.away
        minutes += _work(v, pace)
    for vs in by_kecamatan.values():
        vs.sort(key=lambda v: v.code)
    uncovered = {"village": 0, "frail": 0, "staff": 0}
    if not teams:
        return Plan([], dict(people), minutes, 0.0, 0.0, people)
    chosen = assign(by_kecamatan, teams, pace)
    per_team: dict[int, list[Shift]] = {t.id: [] for t in teams}
    for kecamatan in sorted(by_kecamatan):
        team = chosen[kecamatan]
        place = office_places.get(kecamatan, f"Kantor Camat {kecamatan}")
        per_team[team.id] += plan_kecamatan(
            by_kecamatan[kecamatan], team.stations, pace, place, bool(saturdays)
        )
    free = {t.id: [d for d in days if (t.id, d) not in busy] for t in teams}
    free_saturdays = {
        t.id: [d for d in saturdays or () if (t.id, d) not in busy] for t in teams
    }
    scheduled: list[Shift] = []
    leftover: list[tuple[Shift, int]] = []  # (shift, the stations it was sized for)
    for team in sorted(teams, key=lambda t: t.id):
        shifts = per_team[team.id]
        # The team's own kecamatan first, then by code.
        shifts.sort(
            key=lambda s: (
                s.kecamatan_code != team.base_kecamatan,
                s.kecamatan_code,
                s.evening,
            )
        )
        own = free[team.id]
        evening_dates: list[dt.date] = []  # the team's days in the current kecamatan
        current = None
        for shift in shifts:
            if shift.kecamatan_code != current:
                current, evening_dates = shift.kecamatan_code, []
            if shift.weekend:
                if free_saturdays[team.id]:
                    shift.date = free_saturdays[team.id].pop(0)
            elif shift.evening and evening_dates:
                shift.date = evening_dates.pop(0)
            elif own:
                shift.date = own.pop(0)
                if not shift.evening:
                    evening_dates.append(shift.date)
            if shift.date is None:
                leftover.append((shift, team.stations))
                continue
            shift.team_id = team.id
            scheduled.append(shift)
    # What a team could not fit goes to a team with days to spare and as many
    # kits (a shift is sized for its team's kits), the one with most days left.
    for shift, stations in leftover:
        pool = free_saturdays if shift.weekend else free
        able = [t for t in teams if t.stations >= stations and pool[t.id]]
        if not able:
            for slot in shift.slots:
                uncovered[_group(slot)] += slot.people
            continue
        team = max(able, key=lambda t: (len(pool[t.id]), -t.id))
        shift.date, shift.team_id = pool[team.id].pop(0), team.id
        scheduled.append(shift)
    day_minutes = pace.day_minutes
    team_days = sum(
        pace.evening_minutes / day_minutes if s.evening else 1.0 for s in scheduled
    )
    best = max(t.stations for t in teams) * day_minutes
    return Plan(scheduled, uncovered, minutes, team_days, minutes / best, people)


def _group(slot: Slot) -> str:
    return {"home": "frail", "employer": "staff"}.get(slot.kind, "village")
