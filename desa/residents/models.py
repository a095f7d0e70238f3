"""Residents, their history, and the e-KTP vocabulary of Disdukcapil."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from desa.auth.models import Principal
from desa.core.db import utcnow
from desa.extensions import db

# Disdukcapil's own codes, unchanged in imports and exports.
EKTP_LABELS = {
    1: "BELUM WAJIB",
    2: "BELUM REKAM",
    3: "SUDAH REKAM",
    4: "CARD PRINTED",
    5: "PRINT READY RECORD",
    6: "CARD SHIPPED",
    7: "SENT FOR CARD PRINTING",
    8: "CARD ISSUED",
}
RECORDED_CODES = frozenset({3, 4, 5, 6, 7, 8})
PRINTED_CODES = frozenset({4, 6, 8})
LIFE_STATUSES = ("active", "deceased", "moved", "missing")
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
        Index("ix_residents_area", "rw", "rt"),
        Index("ix_residents_kk", "kk"),
        Index("ix_residents_name_key", "name_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    nik: Mapped[str] = mapped_column(String(16), unique=True)
    nik_temporary: Mapped[bool] = mapped_column(default=False)
    kk: Mapped[str | None] = mapped_column(String(16))
    family_relation: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    # Upper-cased name, indexed, for name-prefix search without scanning the table.
    name_key: Mapped[str] = mapped_column(String(120))
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
    life_status: Mapped[str] = mapped_column(String(10), default="active")
    ektp_status: Mapped[int | None]
    pin_hash: Mapped[str | None] = mapped_column(String(200))
    # Bumped when a PIN is (re)issued or the resident signs out.
    pin_epoch: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    changes: Mapped[list[ResidentChange]] = relationship(
        back_populates="resident", order_by="ResidentChange.id.desc()"
    )

    kind = "resident"
    role = "resident"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.life_status == "active" and self.pin_hash is not None

    def get_id(self) -> str:
        return f"r:{self.id}:{self.pin_epoch}"

    @property
    def display_name(self) -> str:
        return self.name

    @property
    def ektp_label(self) -> str:
        return EKTP_LABELS.get(self.ektp_status or 0, "")

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

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    changed_by: Mapped[str] = mapped_column(String(120))
    field: Mapped[str] = mapped_column(String(40))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(String(200))

    resident: Mapped[Resident] = relationship(back_populates="changes")
