"""`desa sync push`: the bundle to the hub over a link that breaks, resumed.

The bundle is made once into `instance/sync/outbox/` and kept there until the
hub has applied it, so an interrupted push sends the same bytes again (the hub
finds the same upload by its SHA-256 and says how much it has). It is only made
anew when the change log has moved since: then the old, unsent file is replaced
by one that holds everything it held and more. Chunks go in order; a failed one
is retried after a short wait, and after an error the hub is asked where the
upload stands. The transport and the waits are injectable, so that tests run
against the hub app without a network and without sleeping.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from desa.auth.actor import Actor
from desa.core.errors import ServiceError, ValidationError
from desa.extensions import db
from desa.sync import services
from desa.sync.models import SyncLog

# (method, url, headers, body) → (status, JSON body or None)
Transport = Callable[[str, str, dict[str, str], bytes | None], tuple[int, Any]]
TRIES = 5
WAITS = (1, 2, 5, 10, 20)


class PushFailed(ServiceError):
    status, code = 502, "push_failed"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None  # the 30x itself is the answer


def urllib_transport(timeout: float = 30) -> Transport:
    """The real link: HTTP(S) with the standard library."""

    # A redirect is not followed: it would carry the bearer token to another host.
    opener = urllib.request.build_opener(_NoRedirect)

    def send(method: str, url: str, headers: dict[str, str], body: bytes | None):
        # Only http(s): push() refuses any other address before calling this.
        request = urllib.request.Request(  # noqa: S310  # nosec B310
            url, data=body, method=method, headers=headers
        )
        try:
            with opener.open(request, timeout=timeout) as answer:  # nosec B310
                return answer.status, _json(answer.read())
        except urllib.error.HTTPError as err:
            return err.code, _json(err.read())

    return send


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw or b"null")
    except ValueError:
        return None


@dataclass
class Pushed:
    line: str
    acked_seq: int
    resumed_at: int


def outbox(instance_path: str | Path) -> Path:
    path = Path(instance_path) / "sync" / "outbox"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _bundle(actor: Actor, instance_path: str, full: bool) -> Path:
    """The unsent bundle, made anew only when the log has moved since it was."""
    box = outbox(instance_path)
    upto = db.session.scalar(select(func.max(SyncLog.seq))) or 0
    state = services.state()
    marker = box / "bundle.json"
    target = box / "bundle.gz"
    if not full and target.exists() and marker.exists():
        kept = _json(marker.read_bytes()) or {}
        if kept.get("upto") == upto and kept.get("acked") == state.acked_seq:
            return target
    services.export_bundle(actor, target, full=full)
    marker.write_text(json.dumps({"upto": upto, "acked": state.acked_seq}))
    return target


def prepare(actor: Actor, hub_url: str, instance_path: str, full: bool = False) -> Path:
    """The bundle to send (made, or the unsent one kept). The caller commits
    before sending: the export holds the log's lock, which must not stay held
    while the bytes crawl over the link."""
    if not hub_url.startswith(("http://", "https://")):
        raise ValidationError(
            _("Alamat hub harus diawali http:// atau https://."),
            fields={"hub_url": [_("Tidak valid.")]},
        )
    return _bundle(actor, instance_path, full)


def send(
    path: Path,
    hub_url: str,
    token: str,
    *,
    chunk: int = 256 * 1024,
    transport: Transport | None = None,
    wait: Callable[[float], None] = time.sleep,
) -> tuple[dict[str, Any], int]:
    """Uploads the bundle at `path`, resuming where the hub stands; no database.
    Returns the hub's answer and the byte it resumed from."""
    carry = transport or urllib_transport()
    raw = path.read_bytes()
    base = hub_url.rstrip("/") + "/api/v1/hub/uploads"
    headers = {"Authorization": f"Bearer {token}"}

    def call(method: str, url: str, body: bytes | None, extra: dict | None = None):
        last_error = ""
        for attempt in range(TRIES):
            try:
                status, answer = carry(method, url, {**headers, **(extra or {})}, body)
            except (OSError, http.client.HTTPException) as err:  # reset, cut, timeout
                last_error = str(getattr(err, "reason", err))
            else:
                if status < 500 and status != 429:
                    return status, answer
                last_error = f"HTTP {status}"
            wait(WAITS[min(attempt, len(WAITS) - 1)])
        raise PushFailed(
            _("Hub tidak dapat dihubungi (%(why)s); coba lagi nanti.", why=last_error)
        )

    def refused(status: int, answer: Any) -> PushFailed:
        message = (
            (answer or {}).get("error", {}).get("message")
            if isinstance(answer, dict)
            else None
        )
        return PushFailed(
            message or _("Hub menolak bundel (HTTP %(s)d).", s=status), status=422
        )

    status, answer = call(
        "POST",
        base,
        json.dumps(
            {"size": len(raw), "sha256": hashlib.sha256(raw).hexdigest()}
        ).encode(),
        {"Content-Type": "application/json"},
    )
    if status not in (200, 201):
        raise refused(status, answer)
    upload_id, offset = answer["id"], answer["received"]
    resumed_at = offset
    result = answer.get("result")
    while offset < len(raw) and result is None:
        piece = raw[offset : offset + chunk]
        content_range = f"bytes {offset}-{offset + len(piece) - 1}/{len(raw)}"
        status, answer = call(
            "PUT",
            f"{base}/{upload_id}",
            piece,
            {
                "Content-Range": content_range,
                "Content-Type": "application/octet-stream",
            },
        )
        if status == 409 and isinstance(answer, dict):  # the hub is elsewhere
            offset = int(answer.get("received", offset))
            continue
        if status != 200:
            raise refused(status, answer)
        offset, result = answer["received"], answer.get("result")
    if result is None:  # all sent earlier; the answer with the result was lost
        raise PushFailed(
            _("Hub sudah menerima seluruh bundel tetapi belum menjawab; jalankan lagi.")
        )
    return result, resumed_at


def acknowledge(
    actor: Actor, path: Path, result: dict[str, Any], resumed_at: int
) -> Pushed:
    """Keeps the hub's acknowledgement and drops the sent bundle; never commits."""
    current = services.state()
    if result["acked_seq"] > (current.acked_seq or 0):
        current.acked_seq = result["acked_seq"]
        current.acked_at = actor.utcnow
    for leftover in path.parent.iterdir():
        leftover.unlink(missing_ok=True)
    if result["applied"]:
        line = (
            f"applied {result['changes']} changes from {result['village']} "
            f"seq {result['seq_from']}..{result['seq_to']}"
        )
    else:
        line = "already applied"
    return Pushed(line, result["acked_seq"], resumed_at)
