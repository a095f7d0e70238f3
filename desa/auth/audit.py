"""The audit log: append-only, masked, written by services in the caller's transaction."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_login import current_user

from desa.auth.models import AuditEvent
from desa.core.formatting import mask_text
from desa.extensions import db


def client_ip() -> str | None:
    """The client address as seen by the WSGI server (a proxy sets it via ProxyFix)."""
    return request.remote_addr if has_request_context() else None


def record(
    action: str,
    *,
    object_type: str | None = None,
    object_id: Any = None,
    detail: str = "",
    actor: Any = None,
    actor_name: str | None = None,
) -> AuditEvent:
    """Adds one audit line for `action` (e.g. `residents.update`); details are masked."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user._get_current_object()
    if actor is not None:
        kind, actor_id = actor.kind, actor.id
        name, role = actor_name or actor.display_name, actor.role
    else:
        kind, actor_id, name, role = "system", None, actor_name or "sistem", None
    event = AuditEvent(
        actor_kind=kind,
        actor_id=actor_id,
        actor_name=mask_text(name)[:120],
        role=role,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        detail=mask_text(detail)[:4000],
        ip=client_ip(),
    )
    db.session.add(event)
    return event
