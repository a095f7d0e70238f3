"""Staff accounts, employers, API tokens, sign-in throttles and the audit log."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from desa.auth.permissions import HUB_ROLE_LABELS, ROLE_LABELS, Role, role_can
from desa.core.db import binary_string, utcnow
from desa.extensions import db


class Principal:
    """What every signed-in party (staff, resident, API token) can answer."""

    role: str
    kind: str = "user"

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def can(self, permission: str) -> bool:
        return self.is_active and role_can(self.role, permission)

    @property
    def role_label(self) -> str:
        from flask import has_request_context

        if has_request_context():
            from desa.core.templating import current_place

            if current_place() == "hub" and self.role in HUB_ROLE_LABELS:
                return str(HUB_ROLE_LABELS[self.role])
        return str(ROLE_LABELS.get(self.role, self.role))


class Employer(db.Model):
    """A company or institution whose contact books recording sessions for its staff."""

    __tablename__ = "employers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(150), unique=True)
    address: Mapped[str | None] = mapped_column(String(250))
    phone: Mapped[str | None] = mapped_column(String(30))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="employer")


class User(Principal, db.Model):
    """A staff account: admin, clerk, head, RT head or employer contact."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "role IN ('admin', 'clerk', 'head', 'rt', 'employer', 'kecamatan')",
            name="role_known",
        ),
        CheckConstraint(
            "role <> 'kecamatan' OR area IS NOT NULL", name="area_has_scope"
        ),
        CheckConstraint(
            "role <> 'rt' OR (rw IS NOT NULL AND rt IS NOT NULL)", name="rt_has_scope"
        ),
        CheckConstraint(
            "role <> 'employer' OR employer_id IS NOT NULL", name="employer_has_scope"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    rw: Mapped[str | None] = mapped_column(String(3))
    rt: Mapped[str | None] = mapped_column(String(3))
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employers.id"))
    # A kecamatan officer's kecamatan at a hub (its Kemendagri code, 61.01.12).
    area: Mapped[str | None] = mapped_column(String(13))
    phone: Mapped[str | None] = mapped_column(String(30))
    password_hash: Mapped[str] = mapped_column(String(200))
    # Bumped on sign-out and password change: every older session cookie stops working.
    session_epoch: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None]

    employer: Mapped[Employer | None] = relationship(back_populates="users")

    kind = "user"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    def get_id(self) -> str:
        return f"u:{self.id}:{self.session_epoch}"

    @property
    def display_name(self) -> str:
        return self.full_name

    @property
    def scope_label(self) -> str:
        """`RT 002 / RW 001`, the employer's name, or empty for village-wide roles."""
        if self.role == Role.RT:
            return f"RT {self.rt} / RW {self.rw}"
        if self.role == Role.EMPLOYER and self.employer:
            return self.employer.name
        if self.role == Role.KECAMATAN:
            return f"Kecamatan {self.area}"
        return ""


class ApiToken(Principal, db.Model):
    """A bearer token for scripts and the district; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    __table_args__ = (
        CheckConstraint(
            "role IN ('admin', 'clerk', 'head', 'district')", name="role_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    # A district token for part of a kabupaten: a kecamatan's Kemendagri code
    # (61.01.12). At a hub it sees that kecamatan's villages only (desa/scopes.py).
    area: Mapped[str | None] = mapped_column(String(13))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    kind = "token"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def get_id(self) -> str:
        return f"t:{self.id}"

    @property
    def display_name(self) -> str:
        return f"token:{self.name}"


class TokenPrincipal(Principal):
    """A resolved, active API token as the request's principal (no ORM state)."""

    kind = "token"
    is_active = True

    def __init__(self, id: int, name: str, role: str, area: str | None = None) -> None:
        self.id, self.name, self.role, self.area = id, name, role, area

    def get_id(self) -> str:
        return f"t:{self.id}"

    @property
    def display_name(self) -> str:
        return f"token:{self.name}"


class LoginThrottle(db.Model):
    """Failed sign-ins per account or per address, shared by every worker."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[dt.datetime | None]


class AuditEvent(db.Model):
    """One append-only line of who did what to which object (details masked)."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_created_at", "created_at"),
        Index("ix_audit_events_action", "action"),
        Index("ix_audit_events_object", "object_type", "object_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor_kind: Mapped[str] = mapped_column(String(10))  # user/resident/token/system
    actor_id: Mapped[int | None]
    actor_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str | None] = mapped_column(String(20))
    # Filtered by prefix (`auth.`): compared by code point so an index serves it.
    action: Mapped[str] = mapped_column(binary_string(60))
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="")
    ip: Mapped[str | None] = mapped_column(String(45))
