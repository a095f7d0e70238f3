"""The papers' own records: people staying in the village for a while (the data
of the Buku Penduduk Sementara, Permendagri 47/2016)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, String
from sqlalchemy.orm import Mapped, mapped_column

from desa.core.db import utcnow
from desa.extensions import db


class TemporaryResident(db.Model):
    """Someone staying here without moving their KK to the village: a plantation
    worker, a teacher, a relative from Malaysia; recorded on arrival and on leaving.

    `dusun`, `rw` and `rt` are where they stay (the host's RT), which is what an RT
    head's scope follows.
    """

    __tablename__ = "temporary_residents"
    __table_args__ = (
        CheckConstraint("sex IN ('L', 'P')", name="sex_known"),
        CheckConstraint("citizenship IN ('WNI', 'WNA')", name="citizenship_known"),
        CheckConstraint(
            "left_on IS NULL OR left_on >= arrived_on", name="left_after_arrival"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    sex: Mapped[str] = mapped_column(String(1))
    # A NIK for a WNI with one, a passport number for a WNA.
    id_number: Mapped[str] = mapped_column(String(30))
    citizenship: Mapped[str] = mapped_column(
        String(3), default="WNI", server_default="WNI"
    )
    nationality: Mapped[str | None] = mapped_column(String(60))
    birth_place: Mapped[str | None] = mapped_column(String(80))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    occupation: Mapped[str | None] = mapped_column(String(80))
    came_from: Mapped[str] = mapped_column(String(200))
    # Maksud dan tujuan kedatangan.
    purpose: Mapped[str] = mapped_column(String(200))
    # Nama yang didatangi, and where they live.
    host_name: Mapped[str] = mapped_column(String(120))
    host_address: Mapped[str] = mapped_column(String(200))
    dusun: Mapped[str | None] = mapped_column(String(60))
    rw: Mapped[str | None] = mapped_column(String(3))
    rt: Mapped[str | None] = mapped_column(String(3))
    arrived_on: Mapped[dt.date] = mapped_column(Date, index=True)
    left_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    note: Mapped[str | None] = mapped_column(String(300))
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def is_staying_on(self, day: dt.date) -> bool:
        """Whether they were in the village on `day`."""
        return self.arrived_on <= day and (self.left_on is None or self.left_on >= day)

    def __repr__(self) -> str:
        return f"<TemporaryResident {self.id} {self.arrived_on}>"
