"""The one clock: the wall clock, or an instant frozen for the whole app (tests).

Nothing below a boundary reads it: the boundary (a request, a CLI command, a job)
reads it once to build its `Actor`, and services take the time from the actor.
Tests freeze time in exactly one way, `freeze(app, instant)` (the `frozen_time`
fixture), and build actors with a fixed date for services.
"""

from __future__ import annotations

import datetime as dt

from flask import Flask, current_app, has_app_context

_KEY = "desa.clock"


def utc_now() -> dt.datetime:
    """The current instant, aware, in UTC (frozen if the app's clock is)."""
    if has_app_context():
        frozen = current_app.extensions.get(_KEY)
        if frozen is not None:
            return frozen
    return dt.datetime.now(dt.UTC)


def freeze(app: Flask, instant: dt.datetime | None) -> None:
    """Stops the app's clock at `instant` (aware; naive means UTC); None lets it run."""
    if instant is None:
        app.extensions.pop(_KEY, None)
        return
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=dt.UTC)
    app.extensions[_KEY] = instant.astimezone(dt.UTC)
