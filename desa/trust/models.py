"""Every key that ever signed this village's letters, by kid."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from desa.core.db import utcnow
from desa.extensions import db


class KeyStatus(enum.StrEnum):
    ACTIVE = "active"  # signs new letters; exactly one
    RETIRED = "retired"  # verifies the letters it signed, never signs again


class SigningKey(db.Model):
    """A signing key's public half; the private half is a file in the instance folder.

    The public halves live in the database (and so in every backup), so that a
    lost private key file costs nothing but a rotation: every letter it signed
    still verifies.
    """

    __tablename__ = "signing_keys"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'retired')", name="status_known"),
        CheckConstraint(
            "(status = 'retired') = (retired_at IS NOT NULL)", name="retired_dated"
        ),
        # At most one active key, whatever two processes try at once.
        Index(
            "uq_signing_keys_one_active",
            "status",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(8), unique=True)
    public_key: Mapped[str] = mapped_column(String(43))  # base64url of the raw 32 bytes
    status: Mapped[str] = mapped_column(String(10), default=KeyStatus.ACTIVE)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[dt.datetime | None]
