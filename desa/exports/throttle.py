"""The recording API's throttle: calls per principal per minute, in the database so
that every worker counts the same."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import case, delete, update

from desa.core.db import insert_ignore, utcnow
from desa.core.errors import ServiceError
from desa.exports.models import RecordingApiThrottle
from desa.extensions import db

CALLS_PER_MINUTE = 120
WINDOW = dt.timedelta(minutes=1)


class TooManyRequests(ServiceError):
    status, code = 429, "too_many_requests"


def principal_key(principal: Any) -> str:
    """`token:12`, `user:3`: one budget per token or account."""
    return f"{principal.kind}:{principal.id}"[:40]


def limit() -> int:
    """Calls allowed per minute (config RECORDING_API_PER_MINUTE)."""
    return int(current_app.config.get("RECORDING_API_PER_MINUTE") or CALLS_PER_MINUTE)


def count_call(principal: Any) -> None:
    """Counts one call by `principal`; TooManyRequests past the limit.

    One insert-if-missing and one conditional update, so that concurrent requests
    cannot lose a count.
    """
    now = utcnow()
    key = principal_key(principal)
    dialect = db.session.get_bind().dialect.name
    created = db.session.execute(
        insert_ignore(RecordingApiThrottle.__table__, dialect).values(
            key=key, window_started_at=now, hits=0
        )
    ).rowcount
    if created:  # a new caller: forget the ones not seen for a day
        db.session.execute(
            delete(RecordingApiThrottle).where(
                RecordingApiThrottle.window_started_at < now - dt.timedelta(days=1)
            )
        )
    expired = RecordingApiThrottle.window_started_at < now - WINDOW
    hits = db.session.execute(
        update(RecordingApiThrottle)
        .where(RecordingApiThrottle.key == key)
        .values(
            hits=case((expired, 1), else_=RecordingApiThrottle.hits + 1),
            window_started_at=case(
                (expired, now), else_=RecordingApiThrottle.window_started_at
            ),
        )
        .returning(RecordingApiThrottle.hits)
    ).scalar_one()
    if hits > limit():
        raise TooManyRequests(
            _("Terlalu banyak permintaan ke API perekaman (paling banyak %(n)d per "
              "menit). Tunggu satu menit lalu coba lagi.", n=limit())
        )  # fmt: skip
