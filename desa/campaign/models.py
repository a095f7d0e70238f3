"""The recording campaign at the hub (migration 0021): teams and their kits,
blank-card stock, days off, campaigns and the sessions they plan."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    Time,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from desa.core.db import utcnow
from desa.extensions import db
from desa.hub.models import HubVillage


class PlannedKind(StrEnum):
    """Where a planned session happens."""

    OFFICE = "office"  # at the kecamatan office, a slice of the day per village
    VILLAGE = "village"  # at the village hall, by RT
    EMPLOYER = "employer"  # at the employer, in the evening
    HOME = "home"  # a round of home visits for the frail


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class PlannedStatus(StrEnum):
    PLANNED = "planned"
    CANCELLED = "cancelled"


class Team(db.Model):
    """A recording team: its operators, its kits (each one records one person at a
    time) and the kecamatan it sets out from."""

    __tablename__ = "campaign_teams"
    __table_args__ = (
        CheckConstraint("operators > 0", name="operators_positive"),
        CheckConstraint("kits > 0", name="kits_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    operators: Mapped[int]
    kits: Mapped[int]
    base_kecamatan: Mapped[str] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    @property
    def stations(self) -> int:
        """Kits that record side by side: each needs an operator."""
        return min(self.operators, self.kits)


class CardStock(db.Model):
    """Blank e-KTP cards held for a kecamatan."""

    __tablename__ = "campaign_card_stock"
    __table_args__ = (CheckConstraint("blanks >= 0", name="not_negative"),)

    kecamatan_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    blanks: Mapped[int]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str] = mapped_column(String(120))


class DayOff(db.Model):
    """A day the teams do not go out, beside weekends and national holidays."""

    __tablename__ = "campaign_days_off"

    date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    reason: Mapped[str] = mapped_column(String(120))


class Campaign(db.Model):
    """A round of recording: its dates, pace and working hours, and its plan."""

    __tablename__ = "campaigns"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        CheckConstraint(
            "minutes_per_person > 0 AND minutes_frail > 0", name="minutes_positive"
        ),
        CheckConstraint(
            "day_end > day_start AND evening_end > evening_start",
            name="hours_ordered",
        ),
        CheckConstraint("status IN ('draft', 'published')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # A kecamatan's code when the campaign covers only it (None: the kabupaten).
    area: Mapped[str | None] = mapped_column(String(8))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    minutes_per_person: Mapped[int] = mapped_column(default=7)
    minutes_frail: Mapped[int] = mapped_column(default=45)
    day_start: Mapped[dt.time] = mapped_column(Time, default=dt.time(8, 0))
    day_end: Mapped[dt.time] = mapped_column(Time, default=dt.time(15, 0))
    evening_start: Mapped[dt.time] = mapped_column(Time, default=dt.time(18, 30))
    evening_end: Mapped[dt.time] = mapped_column(Time, default=dt.time(21, 30))
    status: Mapped[str] = mapped_column(String(10), default=CampaignStatus.DRAFT)
    # The last plan's figures (JSON): demand, team-days, lower bound, uncovered.
    summary: Mapped[str | None] = mapped_column(Text)
    planned_at: Mapped[dt.datetime | None]
    published_at: Mapped[dt.datetime | None]
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    @property
    def is_published(self) -> bool:
        return self.status == CampaignStatus.PUBLISHED


class PlannedSession(db.Model):
    """A session the hub planned for one village; `uid` names it in the village.

    `revision` grows with every change, so a village applies a change once and
    never an older one; `booked`, `recorded` and `no_show` are what the village
    last reported.
    """

    __tablename__ = "campaign_sessions"
    __table_args__ = (
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint(
            "minutes_per_person > 0 AND stations > 0", name="pace_positive"
        ),
        CheckConstraint("end_time > start_time", name="ends_after_start"),
        CheckConstraint(
            "kind IN ('office', 'village', 'employer', 'home')", name="kind_known"
        ),
        CheckConstraint("status IN ('planned', 'cancelled')", name="status_known"),
        CheckConstraint("(rw IS NULL) = (rt IS NULL)", name="rt_with_rw"),
        Index("ix_campaign_sessions_village", "village_id", "date"),
        Index("ix_campaign_sessions_campaign", "campaign_id", "date", "team_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(24), unique=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE")
    )
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaign_teams.id", ondelete="SET NULL")
    )
    village_id: Mapped[int] = mapped_column(
        ForeignKey("hub_villages.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(10))
    date: Mapped[dt.date] = mapped_column(Date)
    start_time: Mapped[dt.time] = mapped_column(Time)
    end_time: Mapped[dt.time] = mapped_column(Time)
    place: Mapped[str] = mapped_column(String(150))
    rw: Mapped[str | None] = mapped_column(String(3))
    rt: Mapped[str | None] = mapped_column(String(3))
    employer_local_id: Mapped[int | None] = mapped_column(BigInteger)
    capacity: Mapped[int]
    minutes_per_person: Mapped[int]
    stations: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(10), default=PlannedStatus.PLANNED)
    revision: Mapped[int] = mapped_column(default=1)
    booked: Mapped[int] = mapped_column(default=0)
    recorded: Mapped[int] = mapped_column(default=0)
    no_show: Mapped[int] = mapped_column(default=0)
    reported_at: Mapped[dt.datetime | None]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    campaign: Mapped[Campaign] = relationship()
    team: Mapped[Team | None] = relationship()
    village: Mapped[HubVillage] = relationship()

    @property
    def minutes(self) -> int:
        """How long the session runs."""
        start = self.start_time.hour * 60 + self.start_time.minute
        return self.end_time.hour * 60 + self.end_time.minute - start
