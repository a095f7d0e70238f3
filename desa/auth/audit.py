"""The audit log: append-only, masked, written by services in the caller's transaction."""

from __future__ import annotations

from typing import Any

from desa.auth.actor import Actor
from desa.auth.models import AuditEvent
from desa.core.formatting import mask_text
from desa.core.pages import Key
from desa.extensions import db

# The log is read newest first; every read is audited, so it is the longest list.
LOG_KEY = Key((AuditEvent.id,), descending=True)


def record(
    actor: Actor,
    action: str,
    *,
    object_type: str | None = None,
    object_id: Any = None,
    detail: str = "",
    actor_name: str | None = None,
) -> AuditEvent:
    """Adds one audit line for `action` (e.g. `residents.update`); details are masked."""
    event = AuditEvent(
        created_at=actor.utcnow,
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_name=mask_text(actor_name or actor.display_name)[:120],
        role=actor.role if actor.principal is not None else None,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        # A NUL typed into a search reaches the detail; PostgreSQL text refuses it.
        detail=mask_text(detail).replace("\x00", "\ufffd")[:4000],
        ip=actor.ip,
    )
    db.session.add(event)
    return event
