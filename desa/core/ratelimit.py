"""Fixed-window request counters kept in the database, shared by every worker."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import case, delete, update

from desa.core.db import insert_ignore
from desa.core.errors import ServiceError
from desa.extensions import db

WINDOW = dt.timedelta(minutes=1)
FORGET_AFTER = dt.timedelta(days=1)


class TooManyRequests(ServiceError):
    status, code = 429, "too_many_requests"


def count_hit(
    model: Any, key: str, now: dt.datetime, window: dt.timedelta = WINDOW
) -> int:
    """Counts one hit for `key` at `now` (naive UTC); returns the hits in this window.

    `model` has columns `key`, `window_started_at` and `hits`. One insert-if-missing
    and one conditional update, so that concurrent requests cannot lose a count.
    """
    dialect = db.session.get_bind().dialect.name
    created = db.session.execute(
        insert_ignore(model.__table__, dialect).values(
            key=key, window_started_at=now, hits=0
        )
    ).rowcount
    if created:  # a new caller: forget the ones not seen for a day
        db.session.execute(
            delete(model).where(model.window_started_at < now - FORGET_AFTER)
        )
    expired = model.window_started_at < now - window
    return db.session.execute(
        update(model)
        .where(model.key == key)
        .values(
            hits=case((expired, 1), else_=model.hits + 1),
            window_started_at=case((expired, now), else_=model.window_started_at),
        )
        .returning(model.hits)
    ).scalar_one()
