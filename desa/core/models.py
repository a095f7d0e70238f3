"""Core models: the village this installation serves."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, String, true
from sqlalchemy.orm import Mapped, mapped_column

from desa.core.db import utcnow
from desa.extensions import db


class Village(db.Model):
    """The one village an installation serves (a single row, id 1)."""

    __tablename__ = "villages"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint(
            "backup_keep IS NULL OR backup_keep BETWEEN 1 AND 365",
            name="backup_keep_positive",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(13))  # 61.01.12.2002
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20), default="desa")  # desa / kelurahan
    district: Mapped[str] = mapped_column(String(100))
    regency: Mapped[str] = mapped_column(String(100))
    province: Mapped[str] = mapped_column(String(100))
    postal_code: Mapped[str | None] = mapped_column(String(5))
    address: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(40), default="Asia/Pontianak")
    head_name: Mapped[str | None] = mapped_column(String(120))
    head_title: Mapped[str | None] = mapped_column(String(120))
    # Letters: may the clerk issue every type, and one number sequence for all types?
    clerk_may_issue: Mapped[bool] = mapped_column(default=False, server_default="0")
    shared_letter_sequence: Mapped[bool] = mapped_column(
        default=False, server_default="0"
    )
    # A letterhead logo (PNG/JPEG), relative to the instance folder.
    logo_path: Mapped[str | None] = mapped_column(String(200))
    # The automatic daily backup: on or off, into which folder (a flash disk),
    # from what local time of day, and how many archives to keep. An empty folder
    # or count falls back to DESA_BACKUP_DIR / DESA_BACKUP_KEEP.
    backup_auto: Mapped[bool] = mapped_column(default=True, server_default=true())
    backup_dir: Mapped[str | None] = mapped_column(String(500))
    backup_keep: Mapped[int | None] = mapped_column()
    backup_time: Mapped[str] = mapped_column(
        String(5), default="12:00", server_default="12:00"
    )
    # The address printed in QR codes and links (`http://192.168.1.10:5000`), set
    # by `desa init --base-url` or the admin; empty: derived (desa/core/addresses.py).
    base_url: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def title(self) -> str:
        """`Desa Merubung`."""
        return f"{'Kelurahan' if self.kind == 'kelurahan' else 'Desa'} {self.name}"

    @property
    def code_digits(self) -> str:
        """`6101122002`, the 10-digit form used in temporary NIKs."""
        return self.code.replace(".", "")
