"""What a hub holds: the villages it knows, their keys, and what their bundles
carried (migration 0016). The hub never edits a village's residents; it keeps a
copy, plus the e-KTP status the district set, which the village receives back."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from desa.core.db import binary_string, utcnow
from desa.extensions import db


class StatusSource(StrEnum):
    VILLAGE = "village"
    DISTRICT = "district"


class HubSettings(db.Model):
    """The one row that makes this instance a hub, for a kabupaten (or kecamatan)."""

    __tablename__ = "hub_settings"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class HubVillage(db.Model):
    """A village registered at the hub, and where its sync stands."""

    __tablename__ = "hub_villages"
    __table_args__ = (Index("ix_hub_villages_kecamatan", "kecamatan_code", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(13), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kecamatan_code: Mapped[str] = mapped_column(String(8))
    kecamatan_name: Mapped[str] = mapped_column(String(120))
    registered_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # The last applied bundle: its last sequence number (None: none yet), when
    # the village made it (its own clock, ISO with offset) and when it was applied.
    last_seq: Mapped[int | None] = mapped_column(BigInteger)
    last_made_at: Mapped[str | None] = mapped_column(String(40))
    last_applied_at: Mapped[dt.datetime | None]
    last_sha256: Mapped[str | None] = mapped_column(String(64))
    # The last return bundle written for it (statuses after this went in it).
    returned_at: Mapped[dt.datetime | None]

    keys: Mapped[list[HubVillageKey]] = relationship(
        back_populates="village", order_by="HubVillageKey.id"
    )


class HubVillageKey(db.Model):
    """A village's public key, from its `desa keys export` file."""

    __tablename__ = "hub_village_keys"
    __table_args__ = (UniqueConstraint("village_id", "kid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(
        ForeignKey("hub_villages.id", ondelete="CASCADE")
    )
    kid: Mapped[str] = mapped_column(String(40))
    public_key: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(10))
    created: Mapped[str | None] = mapped_column(String(40))
    retired: Mapped[str | None] = mapped_column(String(40))

    village: Mapped[HubVillage] = relationship(back_populates="keys")


class HubResident(db.Model):
    """A village's resident as its last bundle had them (`local_id`: the
    village's own id, which survives a NIK's correction)."""

    __tablename__ = "hub_residents"
    __table_args__ = (
        UniqueConstraint("village_id", "local_id"),
        CheckConstraint("ektp_source IN ('village', 'district')", name="source_known"),
        # Duplicates across villages: active residents by NIK.
        Index("ix_hub_residents_nik", "nik", "village_id"),
        # Table 1: per village, the columns the figures read, index-only.
        Index(
            "ix_hub_residents_figures",
            "village_id",
            "life_status",
            "citizenship",
            "ektp_status",
            "marital_status",
            "birth_date",
            "dusun",
            "rw",
            "rt",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(
        ForeignKey("hub_villages.id", ondelete="CASCADE")
    )
    local_id: Mapped[int] = mapped_column(BigInteger)
    nik: Mapped[str] = mapped_column(binary_string(16))
    nik_temporary: Mapped[bool] = mapped_column(default=False)
    kk: Mapped[str | None] = mapped_column(String(16))
    family_relation: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    sex: Mapped[str] = mapped_column(String(1))
    birth_place: Mapped[str | None] = mapped_column(String(80))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    marital_status: Mapped[str | None] = mapped_column(String(20))
    citizenship: Mapped[str] = mapped_column(String(3))
    address: Mapped[str | None] = mapped_column(String(200))
    dusun: Mapped[str | None] = mapped_column(String(60))
    rw: Mapped[str | None] = mapped_column(String(3))
    rt: Mapped[str | None] = mapped_column(String(3))
    life_status: Mapped[str] = mapped_column(String(10))
    ektp_status: Mapped[int | None]
    ektp_status_at: Mapped[dt.datetime | None]
    ektp_source: Mapped[str] = mapped_column(String(8), default=StatusSource.VILLAGE)
    # The clerk's flag: a disability that keeps the person from a session.
    disabled: Mapped[bool] = mapped_column(default=False, server_default=false())
    works_away: Mapped[bool] = mapped_column(default=False, server_default=false())
    away_until: Mapped[dt.date | None] = mapped_column(Date)
    # Holds an active booking in the village (so not planned again).
    booked: Mapped[bool] = mapped_column(default=False, server_default=false())


class HubEvent(db.Model):
    """A population event a village recorded (type and date; the note stays there)."""

    __tablename__ = "hub_events"
    __table_args__ = (
        UniqueConstraint("village_id", "local_id"),
        Index("ix_hub_events_resident", "village_id", "resident_local_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(
        ForeignKey("hub_villages.id", ondelete="CASCADE")
    )
    local_id: Mapped[int] = mapped_column(BigInteger)
    resident_local_id: Mapped[int] = mapped_column(BigInteger)
    type: Mapped[str] = mapped_column(String(20))
    date: Mapped[dt.date] = mapped_column(Date)


class HubRevocation(db.Model):
    """A letter a village revoked (public id), for the kabupaten trust list."""

    __tablename__ = "hub_revocations"

    village_id: Mapped[int] = mapped_column(
        ForeignKey("hub_villages.id", ondelete="CASCADE"), primary_key=True
    )
    letter_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    revoked_on: Mapped[dt.date] = mapped_column(Date)


class HubRtSummary(db.Model):
    """An RT's bookings in its village: active, and recorded at a session."""

    __tablename__ = "hub_rt_summaries"

    village_id: Mapped[int] = mapped_column(
        ForeignKey("hub_villages.id", ondelete="CASCADE"), primary_key=True
    )
    rw: Mapped[str] = mapped_column(String(3), primary_key=True)
    rt: Mapped[str] = mapped_column(String(3), primary_key=True)
    booked: Mapped[int] = mapped_column(default=0)
    recorded: Mapped[int] = mapped_column(default=0)


class HubBundle(db.Model):
    """Every bundle applied, and every return bundle written: the hub's ledger."""

    __tablename__ = "hub_bundles"
    __table_args__ = (
        CheckConstraint("direction IN ('in', 'return')", name="direction_known"),
        Index("ix_hub_bundles_village", "village_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(
        ForeignKey("hub_villages.id", ondelete="CASCADE")
    )
    direction: Mapped[str] = mapped_column(String(6))
    seq_from: Mapped[int] = mapped_column(BigInteger)
    seq_to: Mapped[int] = mapped_column(BigInteger)
    full: Mapped[bool] = mapped_column(default=False)
    changes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    made_at: Mapped[str] = mapped_column(String(40))
    applied_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    applied_by: Mapped[str] = mapped_column(String(120))


class HubTarget(db.Model):
    """A projection target of wajib KTP for a kecamatan or desa (the district's
    own figure, imported), shown beside the count from the villages' registers."""

    __tablename__ = "hub_targets"
    __table_args__ = (CheckConstraint("target > 0", name="positive"),)

    code: Mapped[str] = mapped_column(String(13), primary_key=True)
    target: Mapped[int]
    source: Mapped[str] = mapped_column(String(120))
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class HubUpload(db.Model):
    """A bundle arriving in pieces over a thin link (`desa sync push`): the bytes
    so far are in a file under `instance/hub/uploads/`, `received` says how many
    count. Only the principal that started it sees it."""

    __tablename__ = "hub_uploads"
    __table_args__ = (
        CheckConstraint("received >= 0 AND received <= size", name="within_size"),
        # One upload per bundle and principal, however many ask at once.
        UniqueConstraint("owner", "sha256"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    received: Mapped[int] = mapped_column(BigInteger, default=0)
    done: Mapped[bool] = mapped_column(default=False)
    # The apply's answer (JSON), kept so that a client whose last answer was
    # lost gets it again instead of sending the whole bundle a second time.
    result: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class HubEmployer(db.Model):
    """An employer in a village (its id there), for employer sessions."""

    __tablename__ = "hub_employers"

    village_id: Mapped[int] = mapped_column(
        ForeignKey("hub_villages.id", ondelete="CASCADE"), primary_key=True
    )
    local_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(String(150))
    address: Mapped[str | None] = mapped_column(String(250))


class HubEmployee(db.Model):
    """A resident on an employer's confirmed staff list (both by village ids)."""

    __tablename__ = "hub_employees"

    village_id: Mapped[int] = mapped_column(
        ForeignKey("hub_villages.id", ondelete="CASCADE"), primary_key=True
    )
    employer_local_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    resident_local_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)


class HubMonthlyReport(db.Model):
    """A village's monthly population report to the kecamatan, as its last bundle
    carried it (`report` lines; desa/hub/reports.py says what `body` holds)."""

    __tablename__ = "hub_monthly_reports"
    __table_args__ = (
        CheckConstraint("month BETWEEN 1 AND 12", name="month_known"),
        Index("ix_hub_monthly_reports_period", "year", "month"),
    )

    village_id: Mapped[int] = mapped_column(
        ForeignKey("hub_villages.id", ondelete="CASCADE"), primary_key=True
    )
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    month: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # False while the month runs: the village sends it again until it is closed.
    final: Mapped[bool] = mapped_column(default=False)
    made_on: Mapped[dt.date] = mapped_column(Date)
    body: Mapped[dict] = mapped_column(JSON)
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
