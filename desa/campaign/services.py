"""The campaign at the hub: teams, card stock, days off, campaigns, their plan,
the officer's changes, publishing, and what travels in the bundles.

Services: they validate, change state, write the audit line and raise
ServiceError subclasses. They never commit.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Iterator, Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, exists, func, insert, or_, select, update
from sqlalchemy.orm import aliased, joinedload

from desa.appointments.calendar import holidays_of
from desa.auth import audit
from desa.auth.actor import Actor
from desa.auth.scope import scopes
from desa.campaign import planner
from desa.campaign.models import (
    Campaign,
    CampaignStatus,
    CardStock,
    DayOff,
    PlannedKind,
    PlannedSession,
    PlannedStatus,
    Team,
)
from desa.core.errors import Conflict, NotFound, ValidationError
from desa.core.formatting import format_date
from desa.core.numbers import whole_number
from desa.extensions import db
from desa.hub.figures import wajib_clause
from desa.hub.models import (
    HubEmployee,
    HubEmployer,
    HubResident,
    HubVillage,
)
from desa.residents.models import RECORDED_CODES
from desa.residents.rules import ELDERLY_AGE, years_before

MAX_DAYS = 366
_KECAMATAN_LEN = 8


# --- teams, stock, days off -----------------------------------------------------------


def _int(data: Mapping[str, Any], name: str, label: str, low: int, high: int) -> int:
    raw = data.get(name)
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        raise ValidationError(
            _("%(f)s harus berupa angka.", f=label), field=name
        ) from None
    if not low <= value <= high:
        raise ValidationError(
            _("%(f)s harus antara %(a)d dan %(b)d.", f=label, a=low, b=high),
            field=name,
        )
    return value


def kecamatan_names() -> dict[str, str]:
    """The kecamatan the hub knows (from its registered villages), by code."""
    return dict(
        db.session.execute(
            select(HubVillage.kecamatan_code, HubVillage.kecamatan_name)
            .distinct()
            .order_by(HubVillage.kecamatan_code)
        ).all()
    )


def _kecamatan(data: Mapping[str, Any], name: str = "base_kecamatan") -> str:
    code = str(data.get(name) or "").strip()
    if code not in kecamatan_names():
        raise ValidationError(
            _("Pilih kecamatan dari desa yang terdaftar di hub."), field=name
        )
    return code


def save_team(actor: Actor, data: Mapping[str, Any], team: Team | None = None) -> Team:
    """Adds a recording team, or changes one."""
    name = " ".join(str(data.get("name") or "").split())
    if not 2 <= len(name) <= 80:
        raise ValidationError(_("Nama tim harus 2 sampai 80 huruf."), field="name")
    clash = db.session.scalar(
        select(Team.id).where(Team.name == name, Team.id != (team.id if team else 0))
    )
    if clash:
        raise Conflict(_("Sudah ada tim bernama %(n)s.", n=name), field="name")
    values = {
        "name": name,
        "operators": _int(data, "operators", _("Jumlah operator"), 1, 50),
        "kits": _int(data, "kits", _("Jumlah alat rekam"), 1, 50),
        "base_kecamatan": _kecamatan(data),
        "active": str(data.get("active", "1")) in ("1", "true", "on", "True"),
    }
    if team is None:
        team = Team(**values)
        db.session.add(team)
    else:
        for key, value in values.items():
            setattr(team, key, value)
    db.session.flush()
    audit.record(
        actor,
        "campaign.team",
        object_type="campaign_team",
        object_id=str(team.id),
        detail=f"{team.name}: {team.operators} operator, {team.kits} alat",
    )
    return team


def teams(active_only: bool = False) -> list[Team]:
    stmt = select(Team).order_by(Team.name)
    if active_only:
        stmt = stmt.where(Team.active.is_(True))
    return list(db.session.scalars(stmt))


def get_team(team_id: int) -> Team:
    found = db.session.get(Team, team_id)
    if found is None:
        raise NotFound(_("Tim tidak ditemukan."))
    return found


def set_card_stock(actor: Actor, data: Mapping[str, Any]) -> CardStock:
    """Sets the blank cards held for a kecamatan (the count after a delivery or
    a stock-take)."""
    code = _kecamatan(data, "kecamatan")
    blanks = _int(data, "blanks", _("Jumlah blangko"), 0, 10_000_000)
    found = db.session.get(CardStock, code)
    if found is None:
        found = CardStock(kecamatan_code=code, blanks=blanks, updated_by="")
        db.session.add(found)
    before = found.blanks if found.updated_by else None
    found.blanks = blanks
    found.updated_by = actor.display_name[:120]
    found.updated_at = actor.utcnow
    audit.record(
        actor,
        "campaign.cards",
        object_type="kecamatan",
        object_id=code,
        detail=f"blangko {before if before is not None else '-'} → {blanks}",
    )
    return found


def card_stock() -> dict[str, CardStock]:
    return {c.kecamatan_code: c for c in db.session.scalars(select(CardStock))}


def add_day_off(actor: Actor, data: Mapping[str, Any]) -> DayOff:
    day = _date(data, "date", _("Tanggal"))
    reason = " ".join(str(data.get("reason") or "").split())
    if not 2 <= len(reason) <= 120:
        raise ValidationError(
            _("Tulis alasan libur (2 sampai 120 huruf)."), field="reason"
        )
    found = db.session.get(DayOff, day)
    if found is None:
        found = DayOff(date=day, reason=reason)
        db.session.add(found)
    found.reason = reason
    audit.record(
        actor,
        "campaign.day_off",
        object_type="date",
        object_id=day.isoformat(),
        detail=reason,
    )
    return found


def remove_day_off(actor: Actor, day: dt.date) -> None:
    db.session.execute(delete(DayOff).where(DayOff.date == day))
    audit.record(
        actor, "campaign.day_off_removed", object_type="date", object_id=day.isoformat()
    )


def days_off() -> list[DayOff]:
    return list(db.session.scalars(select(DayOff).order_by(DayOff.date)))


def _date(data: Mapping[str, Any], name: str, label: str) -> dt.date:
    raw = str(data.get(name) or "").strip()
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(
            _("%(f)s harus berupa tanggal (TTTT-BB-HH).", f=label), field=name
        ) from None


def _time(data: Mapping[str, Any], name: str, label: str, default: dt.time) -> dt.time:
    raw = str(data.get(name) or "").strip().replace(".", ":")
    if not raw:
        return default
    try:
        return dt.time.fromisoformat(raw)
    except ValueError:
        raise ValidationError(
            _("%(f)s harus berupa jam (JJ:MM).", f=label), field=name
        ) from None


# --- campaigns ------------------------------------------------------------------------


def create_campaign(actor: Actor, data: Mapping[str, Any]) -> Campaign:
    """A new round of recording, as a draft; the plan is made by `plan_campaign`."""
    name = " ".join(str(data.get("name") or "").split())
    if not 3 <= len(name) <= 120:
        raise ValidationError(
            _("Nama kampanye harus 3 sampai 120 huruf."), field="name"
        )
    starts = _date(data, "starts_on", _("Tanggal mulai"))
    ends = _date(data, "ends_on", _("Tanggal selesai"))
    if ends < starts:
        raise ValidationError(
            _("Tanggal selesai tidak boleh sebelum tanggal mulai."), field="ends_on"
        )
    if (ends - starts).days > MAX_DAYS:
        raise ValidationError(
            _("Satu kampanye paling lama satu tahun."), field="ends_on"
        )
    if starts < actor.today:
        raise ValidationError(
            _("Tanggal mulai tidak boleh sebelum hari ini."), field="starts_on"
        )
    if (starts - actor.today).days > 2 * MAX_DAYS:
        raise ValidationError(
            _("Tanggal mulai paling lambat dua tahun dari hari ini."), field="starts_on"
        )
    area = str(data.get("area") or "").strip() or None
    officer_area = getattr(actor.principal, "area", None)
    if officer_area:
        area = officer_area.rstrip(".")
    if area is not None and area not in kecamatan_names():
        raise ValidationError(_("Pilih kecamatan dari daftar."), field="area")
    campaign = Campaign(
        name=name,
        area=area,
        starts_on=starts,
        ends_on=ends,
        minutes_per_person=_int(data, "minutes_per_person", _("Menit per orang"), 3, 30)
        if data.get("minutes_per_person")
        else 7,
        minutes_frail=_int(
            data, "minutes_frail", _("Menit per orang sakit/lansia"), 5, 120
        )
        if data.get("minutes_frail")
        else 45,
        day_start=_time(data, "day_start", _("Jam mulai"), dt.time(8, 0)),
        day_end=_time(data, "day_end", _("Jam selesai"), dt.time(15, 0)),
        evening_start=_time(
            data, "evening_start", _("Jam mulai malam"), dt.time(18, 30)
        ),
        evening_end=_time(data, "evening_end", _("Jam selesai malam"), dt.time(21, 30)),
        created_by=actor.display_name[:120],
    )
    if campaign.day_end <= campaign.day_start:
        raise ValidationError(
            _("Jam selesai harus setelah jam mulai."), field="day_end"
        )
    if campaign.evening_end <= campaign.evening_start:
        raise ValidationError(
            _("Jam selesai malam harus setelah jam mulai malam."), field="evening_end"
        )
    if campaign.evening_start < campaign.day_end:
        raise ValidationError(
            _("Sesi malam harus mulai setelah jam kerja siang selesai."),
            field="evening_start",
        )
    db.session.add(campaign)
    db.session.flush()
    audit.record(
        actor,
        "campaign.create",
        object_type="campaign",
        object_id=str(campaign.id),
        detail=name,
    )
    return campaign


def campaigns_for(actor: Actor) -> list[Campaign]:
    stmt = select(Campaign).order_by(Campaign.starts_on.desc(), Campaign.id.desc())
    area = getattr(actor.principal, "area", None)
    if area:
        stmt = stmt.where(Campaign.area == area.rstrip("."))
    return list(db.session.scalars(stmt))


def get_campaign(actor: Actor, campaign_id: int) -> Campaign:
    """A campaign the actor may see: a kecamatan officer only its kecamatan's."""
    found = db.session.get(Campaign, campaign_id)
    area = getattr(actor.principal, "area", None)
    if found is None or (area and found.area != area.rstrip(".")):
        raise NotFound(_("Kampanye tidak ditemukan."))
    return found


def summary(campaign: Campaign) -> dict[str, Any] | None:
    return json.loads(campaign.summary) if campaign.summary else None


def _villages(actor: Actor, campaign: Campaign) -> list[HubVillage]:
    stmt = scopes.select(actor, HubVillage).order_by(HubVillage.code)
    if campaign.area:
        stmt = stmt.where(HubVillage.kecamatan_code == campaign.area)
    return list(db.session.scalars(stmt))


def demand(actor: Actor, campaign: Campaign) -> list[planner.VillageDemand]:
    """Per village, what the plan must cover: its residents who are wajib KTP by
    the campaign's last day (so 16 or older on its first: recording is allowed
    from 16), not recorded and not booked, split into the frail (home visits),
    each employer's confirmed staff (evenings) and the rest by RT. A NIK already
    recorded in another village is not counted: it would be a second recording.
    Whoever works away and is not back by the first day is counted, not planned
    (a session before they are home would be a no-show)."""
    villages = _villages(actor, campaign)
    ids = [v.id for v in villages]
    if not ids:
        return []
    day = campaign.starts_on
    t = HubResident
    other = aliased(HubResident)
    recorded_elsewhere = exists().where(
        other.nik == t.nik,
        other.village_id != t.village_id,
        other.ektp_status.in_(sorted(RECORDED_CODES)),
    )
    elderly = years_before(day, ELDERLY_AGE)
    frail = or_(
        t.disabled.is_(True), and_(t.birth_date.is_not(None), t.birth_date <= elderly)
    )
    rows = db.session.execute(
        select(
            t.village_id, t.local_id, t.rw, t.rt, frail, t.works_away, t.away_until
        ).where(
            t.village_id.in_(ids),
            wajib_clause(campaign.ends_on),
            or_(t.ektp_status.is_(None), t.ektp_status.in_((1, 2))),
            t.booked.is_(False),
            ~recorded_elsewhere,
        )
    ).all()
    staff: dict[tuple[int, int], int] = {
        (v, r): e
        for v, e, r in db.session.execute(
            select(
                HubEmployee.village_id,
                HubEmployee.employer_local_id,
                HubEmployee.resident_local_id,
            ).where(HubEmployee.village_id.in_(ids))
        )
    }
    employers = {
        (e.village_id, e.local_id): e
        for e in db.session.scalars(
            select(HubEmployer).where(HubEmployer.village_id.in_(ids))
        )
    }
    by_village = {
        v.id: planner.VillageDemand(
            v.id, v.code, v.name, v.kecamatan_code, v.kecamatan_name
        )
        for v in villages
    }
    rts: dict[int, dict[tuple[str | None, str | None], int]] = {}
    per_employer: dict[tuple[int, int], int] = {}
    for village_id, local_id, rw, rt, is_frail, away, back in rows:
        d = by_village[village_id]
        if away and (back is None or back > campaign.starts_on):
            d.away += 1
            continue
        if is_frail:
            d.frail += 1
            continue
        employer = staff.get((village_id, local_id))
        if employer is not None and (village_id, employer) in employers:
            per_employer[(village_id, employer)] = (
                per_employer.get((village_id, employer), 0) + 1
            )
            continue
        key = (rw or None, rt or None)
        counts = rts.setdefault(village_id, {})
        counts[key] = counts.get(key, 0) + 1
    for village_id, counts in rts.items():
        d = by_village[village_id]
        for (rw, rt), n in sorted(
            counts.items(), key=lambda kv: (kv[0][0] or "", kv[0][1] or "")
        ):
            d.rts.append((rw, rt, n))
    for (village_id, local_id), n in sorted(per_employer.items()):
        e = employers[(village_id, local_id)]
        by_village[village_id].employers.append(
            planner.Employer(local_id, e.name, e.address, n)
        )
    return [
        d for d in by_village.values() if d.ordinary or d.frail or d.staff or d.away
    ]


def _pace(campaign: Campaign) -> planner.Pace:
    return planner.Pace(
        campaign.minutes_per_person,
        campaign.minutes_frail,
        campaign.day_start,
        campaign.day_end,
        campaign.evening_start,
        campaign.evening_end,
    )


def working_days(campaign: Campaign, weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)):
    """The campaign's days on `weekdays` that are no holiday or team day off."""
    off = {d.date for d in days_off()}
    return planner.working_days(
        campaign.starts_on,
        campaign.ends_on,
        off,
        lambda day: bool(holidays_of(day)),
        weekdays,
    )


def saturdays(campaign: Campaign) -> list[dt.date]:
    """The campaign's free Saturdays: for big employers, whose staff cannot leave
    work on weekdays."""
    return working_days(campaign, (5,))


def _require_draft(campaign: Campaign) -> None:
    """The campaign, locked until the commit (PostgreSQL; SQLite's write lock),
    must still be a draft: two plans or a plan and a publish at once wait in turn."""
    db.session.flush()
    db.session.refresh(campaign, with_for_update=True)
    if campaign.is_published:
        raise Conflict(
            _(
                "Kampanye ini sudah diumumkan ke desa; ubah jadwalnya satu per satu, "
                "jangan susun ulang."
            ),
            code="published",
        )


def _clock(base: dt.time, minutes: int) -> dt.time:
    total = base.hour * 60 + base.minute + minutes
    return dt.time(min(23, total // 60), total % 60 if total < 24 * 60 else 59)


def plan_campaign(actor: Actor, campaign: Campaign) -> planner.Plan:
    """Makes (or makes again) the draft plan: the sessions replace the last plan's.

    One round at a time for an area: while a published campaign covering the same
    villages runs over the same dates, its sessions already hold the people this
    plan would count (their bookings come up only as the villages book), so
    planning is refused with the campaign to wait for."""
    _require_draft(campaign)
    _refuse_overlap(campaign)
    active = teams(active_only=True)
    if not active:
        raise Conflict(
            _("Belum ada tim perekaman yang aktif. Tambahkan tim terlebih dahulu."),
            code="no_teams",
        )
    infos = [
        planner.TeamInfo(t.id, t.name, t.stations, t.base_kecamatan) for t in active
    ]
    names = kecamatan_names()
    places = {code: f"Kantor Camat {name}" for code, name in names.items()}
    pace = _pace(campaign)
    days = working_days(campaign)
    found = planner.plan(
        demand(actor, campaign),
        infos,
        pace,
        days,
        places,
        busy_days(exclude_campaign=campaign.id),
        saturdays(campaign),
    )
    db.session.execute(
        delete(PlannedSession).where(PlannedSession.campaign_id == campaign.id)
    )
    stations = {t.id: t.stations for t in active}
    rows = []
    now = actor.utcnow
    for shift in found.shifts:
        base = pace.evening_start if shift.evening else pace.day_start
        for slot in shift.slots:
            rows.append(
                {
                    "uid": secrets.token_hex(8),
                    "campaign_id": campaign.id,
                    "team_id": shift.team_id,
                    "village_id": slot.village_id,
                    "kind": slot.kind,
                    "date": shift.date,
                    "start_time": _clock(base, slot.offset),
                    "end_time": _clock(base, slot.offset + max(slot.length, 1)),
                    "place": slot.place[:150],
                    "rw": slot.rw,
                    "rt": slot.rt,
                    "employer_local_id": slot.employer_local_id,
                    "capacity": slot.people,
                    "minutes_per_person": slot.minutes_per_person,
                    "stations": stations[shift.team_id],
                    "status": PlannedStatus.PLANNED,
                    "revision": 1,
                    "booked": 0,
                    "recorded": 0,
                    "no_show": 0,
                    "updated_at": now,
                }
            )
    for start in range(0, len(rows), 1000):
        db.session.execute(insert(PlannedSession), rows[start : start + 1000])
    campaign.summary = json.dumps(
        {
            "people": found.people,
            "uncovered": found.uncovered,
            "demand_minutes": found.demand_minutes,
            "team_days": round(found.team_days, 2),
            "lower_bound": round(found.lower_bound, 2),
            "shifts": len(found.shifts),
            "sessions": len(rows),
            "working_days": len(days),
            "teams": len(active),
        }
    )
    campaign.planned_at = now
    audit.record(
        actor,
        "campaign.plan",
        object_type="campaign",
        object_id=str(campaign.id),
        detail=f"{len(rows)} jadwal, {found.team_days:.1f} hari-tim",
    )
    return found


def _refuse_overlap(campaign: Campaign) -> None:
    stmt = select(Campaign).where(
        Campaign.id != campaign.id,
        Campaign.status == CampaignStatus.PUBLISHED,
        Campaign.starts_on <= campaign.ends_on,
        Campaign.ends_on >= campaign.starts_on,
    )
    if campaign.area is not None:  # a kecamatan: its own, or the kabupaten's
        stmt = stmt.where(or_(Campaign.area.is_(None), Campaign.area == campaign.area))
    other = db.session.scalars(stmt.order_by(Campaign.starts_on)).first()
    if other is not None:
        raise Conflict(
            _(
                "Kampanye %(o)s (%(a)s – %(b)s) sudah diumumkan untuk wilayah dan masa "
                "yang sama; susun rencana ini untuk masa sesudahnya.",
                o=other.name,
                a=format_date(other.starts_on),
                b=format_date(other.ends_on),
            ),
            code="overlapping_campaign",
        )


def publish(actor: Actor, campaign: Campaign) -> int:
    """Publishes the plan: its sessions go to the villages in their next return
    bundle. Returns how many sessions."""
    _require_draft(campaign)
    count = (
        db.session.scalar(
            select(func.count()).where(
                PlannedSession.campaign_id == campaign.id,
                PlannedSession.status == PlannedStatus.PLANNED,
            )
        )
        or 0
    )
    if not count:
        raise Conflict(
            _("Kampanye ini belum punya jadwal. Susun rencananya dulu."),
            code="empty_plan",
        )
    campaign.status = CampaignStatus.PUBLISHED
    campaign.published_at = actor.utcnow
    audit.record(
        actor,
        "campaign.publish",
        object_type="campaign",
        object_id=str(campaign.id),
        detail=f"{count} jadwal",
    )
    return count


# --- the officer's changes ------------------------------------------------------------


def sessions_of(
    actor: Actor, campaign: Campaign, kecamatan: str | None = None
) -> list[PlannedSession]:
    ids = [v.id for v in _villages(actor, campaign)]
    stmt = (
        select(PlannedSession)
        .join(HubVillage, HubVillage.id == PlannedSession.village_id)
        .options(joinedload(PlannedSession.village), joinedload(PlannedSession.team))
        .where(
            PlannedSession.campaign_id == campaign.id,
            PlannedSession.village_id.in_(ids),
        )
        .order_by(
            PlannedSession.date,
            PlannedSession.team_id,
            PlannedSession.start_time,
            HubVillage.code,
        )
    )
    if kecamatan:
        stmt = stmt.where(HubVillage.kecamatan_code == kecamatan)
    return list(db.session.scalars(stmt))


def totals(rows: list[PlannedSession]) -> dict[str, Any]:
    """The plan's sessions summed: places, booked and recorded, team-days by team."""
    live = [s for s in rows if s.status == PlannedStatus.PLANNED]
    return {
        "sessions": len(live),
        "capacity": sum(s.capacity for s in live),
        "booked": sum(s.booked for s in live),
        "recorded": sum(s.recorded for s in live),
        "no_show": sum(s.no_show for s in live),
        "cancelled": len(rows) - len(live),
        "team_days": len({(s.team_id, s.date) for s in live}),
    }


def by_kecamatan(rows: list[PlannedSession]) -> list[dict[str, Any]]:
    """The plan's totals per kecamatan, in code order."""
    groups: dict[str, list[PlannedSession]] = {}
    for s in rows:
        groups.setdefault(s.village.kecamatan_code, []).append(s)
    return [
        {"code": code, "name": group[0].village.kecamatan_name, **totals(group)}
        for code, group in sorted(groups.items())
    ]


def get_session(actor: Actor, campaign: Campaign, session_id: int) -> PlannedSession:
    found = db.session.get(PlannedSession, session_id)
    if (
        found is None
        or found.campaign_id != campaign.id
        or scopes.get(actor, HubVillage, HubVillage.id == found.village_id) is None
    ):
        raise NotFound(_("Jadwal tidak ditemukan."))
    return found


def update_session(
    actor: Actor, session: PlannedSession, data: Mapping[str, Any]
) -> PlannedSession:
    """The officer moves a session, changes its hours, place, places or team.
    The row is locked first, so two changes at once each get their own revision."""
    db.session.flush()
    db.session.refresh(session, with_for_update=True)
    if session.status == PlannedStatus.CANCELLED:
        raise Conflict(_("Jadwal ini sudah dibatalkan."), code="cancelled")
    day = _date(data, "date", _("Tanggal"))
    start = _time(data, "start_time", _("Jam mulai"), session.start_time)
    end = _time(data, "end_time", _("Jam selesai"), session.end_time)
    if end <= start:
        raise ValidationError(
            _("Jam selesai harus setelah jam mulai."), field="end_time"
        )
    campaign = session.campaign
    if not campaign.starts_on <= day <= campaign.ends_on:
        raise ValidationError(_("Tanggal harus di dalam masa kampanye."), field="date")
    place = " ".join(str(data.get("place") or "").split())
    if not 3 <= len(place) <= 150:
        raise ValidationError(
            _("Tulis tempat perekaman (3 sampai 150 huruf)."), field="place"
        )
    capacity = _int(data, "capacity", _("Kapasitas"), 1, 2000)
    held = session.booked + session.recorded
    if capacity < held:
        raise ValidationError(
            _(
                "Kapasitas tidak boleh kurang dari %(n)d orang yang sudah mendaftar.",
                n=held,
            ),
            field="capacity",
        )
    moved = (day, start) != (session.date, session.start_time)
    if moved and session.booked and campaign.is_published:
        raise Conflict(
            _(
                "Tanggal dan jam tidak dapat diubah karena sudah ada %(n)d orang "
                "mendaftar di desa. Batalkan jadwal ini dan buat jadwal baru.",
                n=session.booked,
            ),
            code="has_bookings",
            field="date",
        )
    allowed = set(working_days(campaign))
    if session.kind == PlannedKind.EMPLOYER:
        allowed |= set(saturdays(campaign))
    if day not in allowed:
        raise ValidationError(
            _(
                "Tanggal itu bukan hari kerja tim (akhir pekan, hari libur atau libur tim)."
            ),
            field="date",
        )
    team_raw = str(data.get("team_id") or "").strip()
    team = None
    if team_raw:
        team_id = whole_number(team_raw, 1)
        if team_id is None:
            raise ValidationError(_("Pilih tim dari daftar."), field="team_id")
        team = get_team(team_id)
        _check_team_free(team, day, campaign)
    before = (
        session.date,
        session.start_time,
        session.end_time,
        session.place,
        session.capacity,
        session.team_id,
    )
    session.date, session.start_time, session.end_time = day, start, end
    session.place, session.capacity = place, capacity
    session.team_id = team.id if team else None
    if team:
        session.stations = team.stations
    after = (
        session.date,
        session.start_time,
        session.end_time,
        session.place,
        session.capacity,
        session.team_id,
    )
    if before != after:
        session.revision += 1
        session.updated_at = actor.utcnow
        audit.record(
            actor,
            "campaign.session",
            object_type="campaign_session",
            object_id=session.uid,
            detail=f"{day.isoformat()} {start:%H:%M}-{end:%H:%M}, {capacity} orang",
        )
    return session


def busy_days(exclude_campaign: int | None = None) -> set[tuple[int, dt.date]]:
    """(team, day) pairs another published campaign already holds."""
    stmt = (
        select(PlannedSession.team_id, PlannedSession.date)
        .join(Campaign, Campaign.id == PlannedSession.campaign_id)
        .where(
            Campaign.status == CampaignStatus.PUBLISHED,
            PlannedSession.status == PlannedStatus.PLANNED,
            PlannedSession.team_id.is_not(None),
        )
        .distinct()
    )
    if exclude_campaign is not None:
        stmt = stmt.where(PlannedSession.campaign_id != exclude_campaign)
    return {(team, day) for team, day in db.session.execute(stmt).all()}


def _check_team_free(team: Team, day: dt.date, campaign: Campaign) -> None:
    if (team.id, day) in busy_days(exclude_campaign=campaign.id):
        raise Conflict(
            _(
                "Tim %(t)s sudah bertugas pada tanggal itu di kampanye lain.",
                t=team.name,
            ),
            code="team_busy",
            field="team_id",
        )


def cancel_session(actor: Actor, session: PlannedSession) -> PlannedSession:
    db.session.flush()
    db.session.refresh(session, with_for_update=True)
    if session.status == PlannedStatus.CANCELLED:
        return session
    session.status = PlannedStatus.CANCELLED
    session.revision += 1
    session.updated_at = actor.utcnow
    audit.record(
        actor,
        "campaign.session_cancel",
        object_type="campaign_session",
        object_id=session.uid,
    )
    return session


# --- what travels in the bundles ------------------------------------------------------


def return_lines(village: HubVillage) -> Iterator[dict[str, Any]]:
    """The village's sessions in published campaigns, for its return bundle."""
    stmt = (
        select(PlannedSession, Campaign.name)
        .join(Campaign, Campaign.id == PlannedSession.campaign_id)
        .where(
            PlannedSession.village_id == village.id,
            Campaign.status == CampaignStatus.PUBLISHED,
        )
        .order_by(PlannedSession.date, PlannedSession.start_time, PlannedSession.id)
    )
    for s, campaign_name in db.session.execute(stmt).all():
        yield {
            "t": "session",
            "uid": s.uid,
            "revision": s.revision,
            "campaign": campaign_name,
            "kind": s.kind,
            "date": s.date.isoformat(),
            "start": s.start_time.strftime("%H:%M"),
            "end": s.end_time.strftime("%H:%M"),
            "place": s.place,
            "rw": s.rw,
            "rt": s.rt,
            "employer": s.employer_local_id,
            "capacity": s.capacity,
            "minutes": s.minutes_per_person,
            "stations": s.stations,
            "status": s.status,
        }


def recorded_elsewhere(village: HubVillage) -> Iterator[dict[str, Any]]:
    """The village's residents not recorded there whose NIK another village has
    recorded: the whole list, every time (the village clears the rest)."""
    t, other = HubResident, aliased(HubResident)
    where = aliased(HubVillage)
    stmt = (
        select(t.local_id, t.nik, where.code, where.name)
        .join(other, and_(other.nik == t.nik, other.village_id != t.village_id))
        .join(where, where.id == other.village_id)
        .where(
            t.village_id == village.id,
            or_(t.ektp_status.is_(None), t.ektp_status.in_((1, 2))),
            other.ektp_status.in_(sorted(RECORDED_CODES)),
        )
        .order_by(t.local_id, where.code)
    )
    seen: set[int] = set()
    for local_id, nik, code, name in db.session.execute(stmt):
        if local_id not in seen:
            seen.add(local_id)
            yield {
                "t": "elsewhere",
                "id": local_id,
                "nik": nik,
                "code": code,
                "name": name,
            }
    yield {"t": "elsewhere_end", "count": len(seen)}


def apply_reports(
    village: HubVillage, rows: list[dict[str, Any]], now: dt.datetime
) -> None:
    """A village's booking summaries of the hub's sessions (bundle lines `session`)."""
    for row in rows:
        db.session.execute(
            update(PlannedSession)
            .where(
                PlannedSession.uid == row["uid"],
                PlannedSession.village_id == village.id,
            )
            .values(
                booked=row["booked"],
                recorded=row["recorded"],
                no_show=row["no_show"],
                reported_at=now,
            )
            .execution_options(synchronize_session=False)
        )


KIND_LABELS = {
    PlannedKind.OFFICE: _l("Kantor camat"),
    PlannedKind.VILLAGE: _l("Balai desa"),
    PlannedKind.EMPLOYER: _l("Tempat kerja (malam)"),
    PlannedKind.HOME: _l("Kunjungan rumah"),
}
