"""The `Actor`: who is acting, with which role, when (village time) and from where.

Built once at each boundary — a web request or API call (`current_actor`), a CLI
command or a background job (`command_actor`) — and passed to services as their
first argument. Nothing below the boundary reads `request`, `current_user` or the
wall clock. Tests build `Actor(principal=…, today=…)`. See docs/architecture.md.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from enum import StrEnum
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from flask import g, has_request_context, request

# Roles an actor can have besides the principals' own (admin, clerk, …).
SYSTEM = "system"  # a CLI command or a job run on the machine itself: every power
PUBLIC = "public"  # nobody signed in: no power at all

_DEFAULT_ZONE = ZoneInfo("Asia/Pontianak")
_OFFICE_HOUR = dt.time(9, 0)


class Via(StrEnum):
    """The boundary an actor came through."""

    WEB = "web"
    API = "api"
    CLI = "cli"
    JOB = "job"


class Principal(Protocol):
    """What a signed-in party (staff account, resident, API token) answers."""

    id: Any
    role: str
    kind: str

    @property
    def display_name(self) -> str: ...

    def can(self, permission: str) -> bool: ...


@dataclasses.dataclass(frozen=True, kw_only=True)
class Actor:
    """One party acting at one moment; immutable for the length of a request."""

    principal: Principal | None = None
    now: dt.datetime = None  # type: ignore[assignment]  # aware, village zone; set after init
    today: dt.date | None = None  # the village's date; derived from `now` if not given
    ip: str | None = None
    via: Via = Via.WEB

    def __post_init__(self) -> None:
        now, today = self.now, self.today
        if now is None and today is None:
            raise TypeError("an Actor needs `now` or `today`")
        if now is None:
            now = dt.datetime.combine(today, _OFFICE_HOUR, tzinfo=_DEFAULT_ZONE)
        elif now.tzinfo is None:
            now = now.replace(tzinfo=_DEFAULT_ZONE)
        object.__setattr__(self, "now", now)
        object.__setattr__(self, "today", today or now.date())

    # --- who ---------------------------------------------------------------------

    @property
    def role(self) -> str:
        if self.principal is not None:
            return self.principal.role
        return SYSTEM if self.via in (Via.CLI, Via.JOB) else PUBLIC

    @property
    def is_system(self) -> bool:
        return self.principal is None and self.via in (Via.CLI, Via.JOB)

    @property
    def is_signed_in(self) -> bool:
        return self.principal is not None

    @property
    def kind(self) -> str:
        """`user`, `resident`, `token`, or `system` (for the audit log)."""
        return self.principal.kind if self.principal is not None else "system"

    @property
    def id(self) -> Any:
        return self.principal.id if self.principal is not None else None

    @property
    def display_name(self) -> str:
        return self.principal.display_name if self.principal is not None else "sistem"

    def can(self, permission: str) -> bool:
        """True when this actor holds `permission`; the system holds every one."""
        if self.principal is None:
            return self.is_system
        return self.principal.can(permission)

    # --- when ----------------------------------------------------------------------

    @property
    def utcnow(self) -> dt.datetime:
        """`now` as the naive UTC datetime the timestamp columns store."""
        return self.now.astimezone(dt.UTC).replace(tzinfo=None)

    def as_(self, principal: Principal | None) -> Actor:
        """The same moment and place, acted by `principal` (e.g. just signed in)."""
        return dataclasses.replace(self, principal=principal)


def _village_now() -> dt.datetime:
    from desa.core.village import village_now

    return village_now()


def current_actor() -> Actor:
    """The actor of this web request or API call (one moment per request)."""
    from flask_login import current_user

    now = g.get("desa_now")
    if now is None:
        now = g.desa_now = _village_now()
    principal = (
        current_user._get_current_object() if current_user.is_authenticated else None
    )
    via = Via.API if request.path.startswith("/api/") else Via.WEB
    return Actor(principal=principal, now=now, ip=request.remote_addr, via=via)


def command_actor(principal: Principal | None = None, via: Via = Via.CLI) -> Actor:
    """The actor of a CLI command or background job: the system unless told who."""
    # A job started from a request keeps the request's moment.
    now = (g.get("desa_now") if has_request_context() else None) or _village_now()
    return Actor(principal=principal, now=now, via=via)
