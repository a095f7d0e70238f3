"""One commit per request or command, in this one place (indico's `RH.process`).

A view (or CLI command) that returns normally is committed once, after it returns;
one that raises is rolled back by the error handlers. Services never commit. Work
that must wait for the commit (starting a job process that reads the new row,
sending a mail) is queued with `after_commit` and runs only once the commit held.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, g, has_app_context

from desa.extensions import db

log = logging.getLogger(__name__)


def after_commit(callback: Callable[[], Any]) -> None:
    """Runs `callback` once this unit of work has committed (never on rollback)."""
    g.setdefault("desa_after_commit", []).append(callback)


def commit() -> None:
    """Commits the unit of work, then runs what waited for it."""
    db.session.commit()
    callbacks = g.pop("desa_after_commit", []) if has_app_context() else []
    for callback in callbacks:
        callback()


def rollback() -> None:
    """Rolls the unit of work back; what waited for its commit is dropped."""
    db.session.rollback()
    if has_app_context():
        g.pop("desa_after_commit", None)
        g.pop("desa_kept", None)


def keep_so_far() -> None:
    """What this unit of work has done so far stays even if the rest fails.

    For the trace of an access (the audit line of an API call) that must outlive a
    refusal later in the same request: a savepoint is taken here, and a failure
    rolls back to it and commits what came before, still in one commit.
    """
    if not g.get("desa_kept"):
        db.session.flush()
        g.desa_kept = db.session.begin_nested()


def fail(*, keep: bool = False) -> None:
    """Ends a failed unit of work: rolled back, except what was kept (or all of it
    when `keep`: a refusal whose own trace must stay)."""
    kept = g.pop("desa_kept", None) if has_app_context() else None
    if keep:
        commit()
        return
    if kept is not None:
        try:
            if kept.is_active:
                kept.rollback()
            commit()
            return
        except Exception:  # a broken connection: give up all of it
            log.exception("could not keep the first part of a failed unit of work")
    rollback()


class UnitOfWorkFlask(Flask):
    """Flask whose every view is one unit of work: committed when it returns."""

    def dispatch_request(self) -> Any:  # type: ignore[override]
        response = super().dispatch_request()
        commit()
        return response
