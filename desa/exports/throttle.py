"""The recording API's throttle: calls per principal per minute, in the database so
that every worker counts the same."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from desa.auth.actor import Actor, Principal
from desa.core.ratelimit import WINDOW, TooManyRequests, count_hit
from desa.exports.models import RecordingApiThrottle

CALLS_PER_MINUTE = 120


def principal_key(principal: Principal) -> str:
    """`token:12`, `user:3`: one budget per token or account."""
    return f"{principal.kind}:{principal.id}"[:40]


def limit() -> int:
    """Calls allowed per minute (config RECORDING_API_PER_MINUTE)."""
    return int(current_app.config.get("RECORDING_API_PER_MINUTE") or CALLS_PER_MINUTE)


class Throttled(TooManyRequests):
    """Past the limit; the refused call's count and audit line are kept."""

    keeps_changes = True


def count_call(actor: Actor) -> bool:
    """Counts one call by the actor; True while it is within the limit.

    One insert-if-missing and one conditional update, so that concurrent requests
    cannot lose a count.
    """
    key = principal_key(actor.principal)
    return count_hit(RecordingApiThrottle, key, actor.utcnow, WINDOW) <= limit()


def refusal() -> Throttled:
    """The 429 for a call past the limit."""
    return Throttled(
        _(
            "Terlalu banyak permintaan ke API perekaman (paling banyak %(n)d per "
            "menit). Tunggu satu menit lalu coba lagi.",
            n=limit(),
        )
    )
