"""What waits for the signed-in person: the work queues at the top of a home page.

The head sees the letters waiting for a signature; the clerk sees residents' letter
requests, open correction requests and today's recording sessions with how full
they are. Each queue lists a few items and counts all of them, in the actor's
scope; a queue the actor may not work on is left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from desa.appointments import sessions
from desa.appointments.models import RecordingSession, SessionStatus
from desa.auth.actor import Actor
from desa.auth.permissions import Permission
from desa.extensions import db
from desa.letters import archive
from desa.letters.models import LetterStatus
from desa.residents import corrections
from desa.residents.models import CorrectionRequest, CorrectionStatus

SHOWN = 5


@dataclass
class Queue:
    """One work queue: a few items to act on and how many there are in all."""

    name: str
    total: int = 0
    items: list[Any] = field(default_factory=list)


def _queue(name: str, stmt: Any) -> Queue:
    counted = select(func.count()).select_from(stmt.order_by(None).subquery())
    total = db.session.scalar(counted) or 0
    return Queue(
        name, total, list(db.session.scalars(stmt.limit(SHOWN))) if total else []
    )


def work_queues(actor: Actor) -> dict[str, Queue]:
    """The queues this actor works on, by name."""
    queues: dict[str, Queue] = {}
    if actor.can(Permission.LETTERS_ISSUE):
        stmt = archive.search(actor, status=LetterStatus.DRAFT)
        queues["signature"] = _queue("signature", stmt)
    if actor.can(Permission.LETTERS_REQUESTS):
        stmt = archive.search(actor, status=LetterStatus.REQUESTED)
        queues["letter_requests"] = _queue("letter_requests", stmt)
    if actor.can(Permission.RESIDENTS_WRITE):
        stmt = corrections.queue(actor).where(
            CorrectionRequest.status == CorrectionStatus.OPEN
        )
        queues["corrections"] = _queue("corrections", stmt)
    if actor.can(Permission.SESSIONS_MANAGE):
        today = sessions.between(actor.today, actor.today).where(
            RecordingSession.status == SessionStatus.OPEN
        )
        found = list(db.session.scalars(today))
        queues["sessions_today"] = Queue("sessions_today", len(found), found)
    return queues
