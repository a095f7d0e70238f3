"""The change log the hub is sent from, and the village's sync state (migration 0015)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, CheckConstraint, Identity, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from desa.extensions import db

# What a log row names; its key is the row's id (a letter's public id, an RT's
# "RW/RT").
ENTITIES = ("resident", "event", "revocation", "rt")


class SyncLog(db.Model):
    """One change the hub must hear of; written by triggers, never by the app."""

    __tablename__ = "sync_log"
    __table_args__ = {"sqlite_autoincrement": True}

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"),
        Identity(always=False),
        primary_key=True,
    )
    entity: Mapped[str] = mapped_column(String(12))
    key: Mapped[str] = mapped_column(String(40))


class SyncState(db.Model):
    """The one row: what the hub acknowledged, and the hub's key, pinned on the
    first return bundle read."""

    __tablename__ = "sync_state"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    acked_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    acked_at: Mapped[dt.datetime | None]
    hub_code: Mapped[str | None] = mapped_column(String(13))
    hub_name: Mapped[str | None] = mapped_column(String(120))
    hub_kid: Mapped[str | None] = mapped_column(String(40))
    hub_public_key: Mapped[str | None] = mapped_column(String(60))
    last_export_seq: Mapped[int | None] = mapped_column(BigInteger)
    last_export_at: Mapped[dt.datetime | None]
    last_return_made_at: Mapped[str | None] = mapped_column(String(40))
    last_return_at: Mapped[dt.datetime | None]
