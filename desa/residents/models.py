"""Residents, their history, and the e-KTP vocabulary of Disdukcapil."""

from __future__ import annotations

import datetime as dt
import json
from enum import IntEnum, StrEnum

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
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

from desa.auth.models import Principal
from desa.auth.permissions import Role
from desa.core.db import binary_string, utcnow
from desa.extensions import db


class EktpStatus(IntEnum):
    """Disdukcapil's own e-KTP codes (STAT_RKM), unchanged in imports and exports."""

    BELUM_WAJIB = 1
    BELUM_REKAM = 2
    SUDAH_REKAM = 3
    CARD_PRINTED = 4
    PRINT_READY_RECORD = 5
    CARD_SHIPPED = 6
    SENT_FOR_CARD_PRINTING = 7
    CARD_ISSUED = 8

    @property
    def label(self) -> str:
        """Disdukcapil's wording: `SUDAH REKAM`."""
        return self.name.replace("_", " ")


class LifeStatus(StrEnum):
    """Whether a resident still lives in the village; changed by population events."""

    ACTIVE = "active"
    DECEASED = "deceased"
    MOVED = "moved"
    MISSING = "missing"


class CorrectionStatus(StrEnum):
    """A resident's correction request in the clerk's queue."""

    OPEN = "open"
    DONE = "done"
    REJECTED = "rejected"


class ImportJobStatus(StrEnum):
    """A resident import, from the uploaded file to its end."""

    UPLOADED = "uploaded"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


EKTP_LABELS = {code: code.label for code in EktpStatus}
# Disdukcapil's English codes keep their wording (clerks match them against the
# district's lists); a person reads them with an Indonesian gloss beside them.
EKTP_GLOSSES = {
    EktpStatus.CARD_PRINTED: _l("KTP-el sudah dicetak"),
    EktpStatus.PRINT_READY_RECORD: _l("data siap dicetak"),
    EktpStatus.CARD_SHIPPED: _l("KTP-el sudah dikirim ke kecamatan/desa"),
    EktpStatus.SENT_FOR_CARD_PRINTING: _l("dikirim untuk dicetak"),
    EktpStatus.CARD_ISSUED: _l("KTP-el sudah diterima penduduk"),
}


def ektp_shown(code: int | None) -> str:
    """`4 CARD PRINTED (KTP-el sudah dicetak)`; `3 SUDAH REKAM`; "" when unknown."""
    if code is None or code not in EKTP_LABELS:
        return ""
    gloss = EKTP_GLOSSES.get(code)
    text = f"{int(code)} {EKTP_LABELS[code]}"
    return f"{text} ({_(str(gloss))})" if gloss else text


RECORDED_CODES = frozenset(EktpStatus) - {
    EktpStatus.BELUM_WAJIB,
    EktpStatus.BELUM_REKAM,
}
PRINTED_CODES = frozenset(
    {EktpStatus.CARD_PRINTED, EktpStatus.CARD_SHIPPED, EktpStatus.CARD_ISSUED}
)
LIFE_STATUSES = tuple(LifeStatus)
RELIGIONS = (
    "ISLAM",
    "KRISTEN",
    "KATHOLIK",
    "HINDU",
    "BUDHA",
    "KHONGHUCU",
    "KEPERCAYAAN",
)
MARITAL_STATUSES = ("BELUM KAWIN", "KAWIN", "CERAI HIDUP", "CERAI MATI")
# The KK's "Golongan Darah": a group with an optional rhesus, or not known.
BLOOD_TYPES = (
    "A",
    "B",
    "AB",
    "O",
    "A+",
    "A-",
    "B+",
    "B-",
    "AB+",
    "AB-",
    "O+",
    "O-",
    "TIDAK TAHU",
)
EVENT_TYPES = ("birth", "death", "move_out", "move_in", "marriage", "divorce")


def warning_codes(raw: str | None) -> list[str]:
    """The NIK warning codes kept (as JSON) on a resident row."""
    try:
        return list(json.loads(raw or "[]"))
    except ValueError:
        return []


class Resident(Principal, db.Model):
    """A villager, keyed by NIK (or a temporary NIK until the real one arrives)."""

    __tablename__ = "residents"
    __table_args__ = (
        CheckConstraint("sex IN ('L', 'P')", name="sex_known"),
        CheckConstraint(
            "life_status IN ('active', 'deceased', 'moved', 'missing')",
            name="life_known",
        ),
        CheckConstraint(
            "ektp_status IS NULL OR ektp_status BETWEEN 1 AND 8", name="ektp_known"
        ),
        # Both end in the list's order (name_key, id): a page of the whole village
        # or of one RT is an index seek, and a jump to page N an index-only scan.
        Index("ix_residents_area", "rw", "rt", "name_key", "id"),
        Index("ix_residents_kk", "kk"),
        Index("ix_residents_name_key", "name_key", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Both searched by prefix ranges: compared by code point on every engine.
    nik: Mapped[str] = mapped_column(binary_string(16), unique=True)
    nik_temporary: Mapped[bool] = mapped_column(default=False)
    kk: Mapped[str | None] = mapped_column(String(16))
    family_relation: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    # Upper-cased name, indexed, for name-prefix search without scanning the table.
    name_key: Mapped[str] = mapped_column(binary_string(120))
    sex: Mapped[str] = mapped_column(String(1))
    birth_place: Mapped[str | None] = mapped_column(String(80))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    religion: Mapped[str | None] = mapped_column(String(20))
    marital_status: Mapped[str | None] = mapped_column(String(20))
    occupation: Mapped[str | None] = mapped_column(String(80))
    education: Mapped[str | None] = mapped_column(String(80))
    citizenship: Mapped[str] = mapped_column(String(3), default="WNI")
    address: Mapped[str | None] = mapped_column(String(200))
    dusun: Mapped[str | None] = mapped_column(String(60))
    rw: Mapped[str | None] = mapped_column(String(3))
    rt: Mapped[str | None] = mapped_column(String(3))
    phone: Mapped[str | None] = mapped_column(String(20))
    # As on the KK (F-1.09) and the biodata (F-1.01); optional, imported from SIAK's
    # NAMA_LGKP_AYAH, NAMA_LGKP_IBU, GOL_DARAH and TGL_KWN (migration 0024).
    father_name: Mapped[str | None] = mapped_column(String(120))
    mother_name: Mapped[str | None] = mapped_column(String(120))
    # String(10), not 3: "TIDAK TAHU" is one of the values.
    blood_type: Mapped[str | None] = mapped_column(String(10))  # BLOOD_TYPES
    marriage_date: Mapped[dt.date | None] = mapped_column(Date)
    life_status: Mapped[str] = mapped_column(String(10), default=LifeStatus.ACTIVE)
    ektp_status: Mapped[int | None]
    # When the status last changed (set by trigger, migration 0015); None: unknown.
    ektp_status_at: Mapped[dt.datetime | None]
    # NIK warnings the clerk confirmed (JSON list of codes), kept for the quality list.
    nik_warnings: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")
    # Set by the clerk: a disability that keeps the person from the office. With
    # age (see `rules.needs_home_visit`) it decides who may be booked into a home
    # visit ("jemput bola"), which is scarce and goes only to those who need it.
    disabled: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Works away (Malaysia, a plantation elsewhere) and is expected home then,
    # often at Lebaran: not to be planned for before that.
    works_away: Mapped[bool] = mapped_column(default=False, server_default=false())
    away_place: Mapped[str | None] = mapped_column(String(80))
    away_until: Mapped[dt.date | None] = mapped_column(Date)
    # The hub found this NIK recorded in another village (its return bundle): not
    # to be booked again (a second recording is a Duplicate_Record, no card).
    elsewhere_code: Mapped[str | None] = mapped_column(String(13))
    elsewhere_name: Mapped[str | None] = mapped_column(String(120))
    elsewhere_at: Mapped[dt.datetime | None]
    pin_hash: Mapped[str | None] = mapped_column(String(200))
    # Bumped when a PIN is (re)issued or the resident signs out.
    pin_epoch: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    changes: Mapped[list[ResidentChange]] = relationship(
        back_populates="resident", order_by="ResidentChange.id.desc()"
    )
    events: Mapped[list[ResidentEvent]] = relationship(
        back_populates="resident", order_by="ResidentEvent.id.desc()"
    )

    kind = "resident"
    role = Role.RESIDENT

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.life_status == LifeStatus.ACTIVE and self.pin_hash is not None

    def get_id(self) -> str:
        return f"r:{self.id}:{self.pin_epoch}"

    @property
    def display_name(self) -> str:
        return self.name

    @property
    def ektp_label(self) -> str:
        """The status as a person reads it: code, Disdukcapil's label, gloss."""
        return ektp_shown(self.ektp_status)

    @property
    def warning_codes(self) -> list[str]:
        return warning_codes(self.nik_warnings)

    @property
    def area_label(self) -> str:
        """`RT 002 / RW 001, Dusun Sungai Bedung`."""
        parts = []
        if self.rt and self.rw:
            parts.append(f"RT {self.rt} / RW {self.rw}")
        if self.dusun:
            parts.append(f"Dusun {self.dusun}")
        return ", ".join(parts)


class ResidentChange(db.Model):
    """One changed field of a resident: who, when, before → after, and why."""

    __tablename__ = "resident_changes"
    # Historical figures replay only the changes after a date: a range on this.
    __table_args__ = (Index("ix_resident_changes_changed_at", "changed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    changed_by: Mapped[str] = mapped_column(String(120))
    field: Mapped[str] = mapped_column(String(40))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(String(200))

    resident: Mapped[Resident] = relationship(back_populates="changes")


class Area(db.Model):
    """An RT within its RW and dusun, optionally with its head (a resident)."""

    __tablename__ = "areas"
    __table_args__ = (UniqueConstraint("rw", "rt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dusun: Mapped[str | None] = mapped_column(String(60))
    rw: Mapped[str] = mapped_column(String(3))
    rt: Mapped[str] = mapped_column(String(3))
    head_resident_id: Mapped[int | None] = mapped_column(
        ForeignKey("residents.id", ondelete="SET NULL")
    )

    head: Mapped[Resident | None] = relationship()

    @property
    def label(self) -> str:
        return f"RT {self.rt} / RW {self.rw}" + (
            f", Dusun {self.dusun}" if self.dusun else ""
        )


class ResidentEvent(db.Model):
    """A population event: birth, death, moving out or in, marriage, divorce."""

    __tablename__ = "resident_events"
    __table_args__ = (
        CheckConstraint(
            "type IN ('birth', 'death', 'move_out', 'move_in', 'marriage', 'divorce')",
            name="type_known",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    type: Mapped[str] = mapped_column(String(20))
    date: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    resident: Mapped[Resident] = relationship(back_populates="events")


class CorrectionRequest(db.Model):
    """A resident asks the office to correct their data; lands in the clerk's queue."""

    __tablename__ = "correction_requests"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'done', 'rejected')", name="status_known"),
        Index("ix_correction_requests_status", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    field: Mapped[str | None] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=CorrectionStatus.OPEN)
    response: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    handled_by: Mapped[str | None] = mapped_column(String(120))
    handled_at: Mapped[dt.datetime | None]

    resident: Mapped[Resident] = relationship()


class ImportJob(db.Model):
    """One resident import (CLI or web), with its progress and its rejects file."""

    __tablename__ = "import_jobs"
    __table_args__ = (
        CheckConstraint(
            "status IN ('uploaded', 'running', 'done', 'failed')", name="status_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    stored_path: Mapped[str] = mapped_column(String(400))
    status: Mapped[str] = mapped_column(String(10), default=ImportJobStatus.UPLOADED)
    strict: Mapped[bool] = mapped_column(default=False)
    total: Mapped[int] = mapped_column(default=0)
    processed: Mapped[int] = mapped_column(default=0)
    imported: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    rejects_path: Mapped[str | None] = mapped_column(String(400))
    columns: Mapped[str] = mapped_column(Text, default="{}")
    error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
