"""Letter types, letters, their number counters, and the public check's throttle."""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from desa.core.db import utcnow
from desa.extensions import db
from desa.residents.models import LifeStatus

KINDS = ("letter", "referral")
ISSUERS = ("head", "clerk")
FIELD_TYPES = ("text", "date", "number")


class LetterStatus(StrEnum):
    """A letter's state: requested by a resident or drafted, then issued or revoked."""

    REQUESTED = "requested"
    DRAFT = "draft"
    ISSUED = "issued"
    REVOKED = "revoked"
    REJECTED = "rejected"


class LetterRequestState(StrEnum):
    """A letter as the resident it is for sees it (derived, never stored)."""

    REQUESTED = "requested"
    DRAFT = "draft"
    READY = "ready"
    DONE = "done"
    REJECTED = "rejected"
    REVOKED = "revoked"


STATUSES = tuple(LetterStatus)
DEFAULT_NUMBER_PATTERN = "{code}/{seq:03}/{village}/{month_roman}/{year}"
# Most letters speak of a resident who still lives in the village.
DEFAULT_LIFE_STATUSES = (LifeStatus.ACTIVE,)


# "KTP dalam proses": only for someone recorded whose card has not reached them
# (recorded, waiting to print, printed, shipped; not received, not unrecorded).
CARD_WAITING_TYPE = "SKKTP"
CARD_WAITING_STATUSES = frozenset({3, 4, 5, 6, 7})


class LetterType(db.Model):
    """A kind of letter: its title, body template, extra fields and who may issue it."""

    __tablename__ = "letter_types"
    __table_args__ = (
        CheckConstraint("kind IN ('letter', 'referral')", name="kind_known"),
        CheckConstraint("issuer IN ('head', 'clerk')", name="issuer_known"),
        CheckConstraint(
            "validity_days IS NULL OR validity_days > 0", name="validity_positive"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(150))
    kind: Mapped[str] = mapped_column(String(10), default="letter")
    addressee: Mapped[str | None] = mapped_column(String(250))
    # Paragraphs separated by blank lines, `{placeholder}`s, and one `[data]` line
    # where the table of the resident's data goes.
    body: Mapped[str] = mapped_column(Text)
    # [{"name", "label", "type": "text"|"date"|"number", "required"}]
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    validity_days: Mapped[int | None]
    number_pattern: Mapped[str] = mapped_column(
        String(120), default=DEFAULT_NUMBER_PATTERN
    )
    issuer: Mapped[str] = mapped_column(String(10), default="head")
    # The residents' life statuses (LifeStatus values) this type may be made for.
    life_statuses: Mapped[list[str]] = mapped_column(
        JSON,
        default=lambda: [str(s) for s in DEFAULT_LIFE_STATUSES],
        server_default=text("'[\"active\"]'"),
    )
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    letters: Mapped[list[Letter]] = relationship(back_populates="type")

    @property
    def is_referral(self) -> bool:
        return self.kind == "referral"

    def serves(self, resident: Any) -> bool:
        """Whether a letter of this type may be made for `resident` as recorded now."""
        if resident.life_status not in (self.life_statuses or ()):
            return False
        if self.code == CARD_WAITING_TYPE:
            return resident.ektp_status in CARD_WAITING_STATUSES
        return True

    def field(self, name: str) -> dict[str, Any] | None:
        """The extra-field definition called `name`, or None."""
        return next((f for f in self.fields or [] if f.get("name") == name), None)


class Letter(db.Model):
    """One letter for one resident, from request or draft to issued (or revoked).

    The integer id never leaves the office: URLs, the QR token and the API use
    `public_id`, a random string that cannot be enumerated.
    """

    __tablename__ = "letters"
    __table_args__ = (
        CheckConstraint(
            "status IN ('requested', 'draft', 'issued', 'revoked', 'rejected')",
            name="status_known",
        ),
        CheckConstraint(
            "status NOT IN ('issued', 'revoked') OR (number IS NOT NULL AND "
            "seq IS NOT NULL AND pdf_sha256 IS NOT NULL)",
            name="issued_complete",
        ),
        UniqueConstraint("counter_scope", "year", "seq"),
        Index("ix_letters_status", "status", "created_at"),
        Index("ix_letters_issued_on", "issued_on"),
        # The archive's order, newest first: its pages are index seeks.
        Index("ix_letters_created", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    type_id: Mapped[int] = mapped_column(ForeignKey("letter_types.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(300))
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default=LetterStatus.DRAFT)
    number: Mapped[str | None] = mapped_column(String(120), unique=True)
    counter_scope: Mapped[int | None]
    seq: Mapped[int | None]
    year: Mapped[int | None]
    issued_on: Mapped[dt.date | None] = mapped_column(Date)
    issued_at: Mapped[dt.datetime | None]
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signer_name: Mapped[str | None] = mapped_column(String(120))
    signer_title: Mapped[str | None] = mapped_column(String(200))
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_path: Mapped[str | None] = mapped_column(String(200))
    token: Mapped[str | None] = mapped_column(Text)
    revoked_at: Mapped[dt.datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(String(120))
    revoked_reason: Mapped[str | None] = mapped_column(String(300))
    rejected_reason: Mapped[str | None] = mapped_column(String(300))
    collected_at: Mapped[dt.datetime | None]
    requested_by_resident: Mapped[bool] = mapped_column(default=False)
    created_by: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    type: Mapped[LetterType] = relationship(back_populates="letters", lazy="joined")
    resident: Mapped[Any] = relationship("Resident", lazy="joined")

    @property
    def is_issued(self) -> bool:
        return self.status == LetterStatus.ISSUED

    @property
    def has_pdf(self) -> bool:
        return self.status in (LetterStatus.ISSUED, LetterStatus.REVOKED) and bool(
            self.pdf_path
        )

    def is_valid(self, today: dt.date) -> bool:
        """Issued, not revoked, and not past its validity."""
        return self.status == LetterStatus.ISSUED and (
            self.valid_until is None or today <= self.valid_until
        )

    def fields_json(self) -> str:
        return json.dumps(self.fields or {}, ensure_ascii=False, sort_keys=True)


class LetterCounter(db.Model):
    """The last number used per scope (a type's id, or 0 when shared) and year."""

    __tablename__ = "letter_counters"

    scope: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


class VerifyThrottle(db.Model):
    """Public verification requests per address in the current window (all workers)."""

    __tablename__ = "letter_verify_throttles"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    window_started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    hits: Mapped[int] = mapped_column(default=0)
