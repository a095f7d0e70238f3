"""Resumable uploads: a village's bundle sent to the hub in chunks over a link
that breaks (`desa sync push`).

The client says what it will send (size and SHA-256), then sends the bytes in
order, each chunk with its `Content-Range`. A chunk is taken only when it starts
where the upload stands (a conditional UPDATE on `received`, so two clients or a
retried request cannot both take it); a repeat of bytes already received is
accepted and ignored; a chunk past that point is refused with the offset to go
on from. The bytes are written at their offset in a file under
`instance/hub/uploads/` before the row moves on, so a chunk whose commit was
lost is simply written again. With the last byte the whole file's digest is
checked and the bundle applied (desa/hub/apply.py) in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import secrets
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, select, update

from desa.auth.actor import Actor
from desa.core.db import insert_ignore
from desa.core.errors import Conflict, NotFound, ValidationError
from desa.core.unit_of_work import after_commit
from desa.extensions import db
from desa.hub import apply
from desa.hub.models import HubUpload
from desa.sync.bundle import MAX_COMPRESSED_BYTES

MAX_CHUNK = 1024 * 1024
FORGET_AFTER = dt.timedelta(days=7)
_SHA = re.compile(r"[0-9a-f]{64}")
_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")


class UploadMismatch(ValidationError):
    """The bytes do not make the bundle announced: the upload is dropped (that
    much is kept), nothing is applied."""

    code = "bad_upload"
    keeps_changes = True


def folder(instance_path: str | os.PathLike[str]) -> Path:
    path = Path(instance_path) / "hub" / "uploads"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _owner(actor: Actor) -> str:
    return f"{actor.kind}:{actor.id}"


def start(actor: Actor, size: Any, sha256: Any, instance_path: str) -> HubUpload:
    """A new upload, or the earlier one of the same bundle by the same principal:
    unfinished, a client that lost the answer resumes it; finished, it gets the
    apply's answer again."""
    if type(size) is not int or not 0 < size <= MAX_COMPRESSED_BYTES:
        raise ValidationError(
            _("Ukuran bundel harus antara 1 bait dan 256 MB."),
            fields={"size": [_("Tidak valid.")]},
        )
    if not isinstance(sha256, str) or not _SHA.fullmatch(sha256):
        raise ValidationError(
            _("sha256 harus 64 angka heksadesimal huruf kecil."),
            fields={"sha256": [_("Tidak valid.")]},
        )
    _forget_old(actor, instance_path)
    mine = (HubUpload.owner == _owner(actor), HubUpload.sha256 == sha256)
    found = db.session.scalar(select(HubUpload).where(*mine))
    if found is not None and found.size == size:
        return found
    if found is not None:  # the same digest with another size: not that bundle
        raise ValidationError(
            _("Ukuran tidak cocok dengan unggahan bundel yang sama sebelumnya."),
            fields={"size": [_("Tidak valid.")]},
        )
    upload_id = secrets.token_urlsafe(16)
    # Two requests at once: the unique (owner, sha256) lets one insert win.
    db.session.execute(
        insert_ignore(HubUpload.__table__, db.session.get_bind().dialect.name).values(
            id=upload_id,
            owner=_owner(actor),
            size=size,
            sha256=sha256,
            received=0,
            done=False,
            created_at=actor.utcnow,
            updated_at=actor.utcnow,
        )
    )
    upload = db.session.scalar(select(HubUpload).where(*mine))
    (folder(instance_path) / f"{upload.id}.part").touch(mode=0o600)
    return upload


def _forget_old(actor: Actor, instance_path: str) -> None:
    """Uploads nobody touched for a week go, with their files."""
    cutoff = actor.utcnow - FORGET_AFTER
    old = list(
        db.session.scalars(select(HubUpload.id).where(HubUpload.updated_at < cutoff))
    )
    if not old:
        return
    db.session.execute(delete(HubUpload).where(HubUpload.id.in_(old)))
    for upload_id in old:
        (folder(instance_path) / f"{upload_id}.part").unlink(missing_ok=True)


def get(actor: Actor, upload_id: str) -> HubUpload:
    """The actor's own upload; another's is not found, alike."""
    found = db.session.get(HubUpload, upload_id)
    if found is None or found.owner != _owner(actor):
        raise NotFound(_("Unggahan tidak ditemukan."), code="unknown_upload")
    return found


def state(upload: HubUpload) -> dict[str, Any]:
    """An upload as the API gives it (with the apply's answer once done)."""
    out: dict[str, Any] = {
        "id": upload.id,
        "size": upload.size,
        "received": upload.received,
        "done": upload.done,
    }
    if upload.done and upload.result:
        out["result"] = json.loads(upload.result)
    return out


def put_chunk(
    actor: Actor,
    upload_id: str,
    content_range: str | None,
    data: bytes,
    instance_path: str,
) -> tuple[HubUpload, apply.Applied | None]:
    """Takes one chunk; with the last one, checks and applies the whole bundle."""
    upload = get(actor, upload_id)
    match = _RANGE.fullmatch(content_range or "")
    if match is None:
        raise ValidationError(
            _("Content-Range harus berbentuk bytes AWAL-AKHIR/UKURAN."),
            code="bad_range",
        )
    first, last, size = (int(g) for g in match.groups())
    if (
        size != upload.size
        or last < first
        or last >= size
        or last - first + 1 != len(data)
    ):
        raise ValidationError(
            _("Content-Range tidak cocok dengan unggahan atau isi potongan."),
            code="bad_range",
        )
    if len(data) > MAX_CHUNK:
        raise ValidationError(_("Satu potongan paling besar 1 MB."), code="bad_range")
    if upload.done or last < upload.received:
        return upload, None  # already had these bytes
    if first > upload.received:
        raise Conflict(
            _(
                "Potongan mulai dari bait %(first)d, padahal hub baru menerima "
                "%(received)d bait; lanjutkan dari sana.",
                first=first,
                received=upload.received,
            ),
            code="out_of_order",
            extra={"received": upload.received},
        )
    path = folder(instance_path) / f"{upload.id}.part"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        os.pwrite(fd, data, first)
        os.fsync(fd)
    finally:
        os.close(fd)
    moved = db.session.execute(
        update(HubUpload)
        .where(HubUpload.id == upload.id, HubUpload.received == upload.received)
        .values(received=last + 1, updated_at=actor.utcnow)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:  # another request took this part meanwhile
        db.session.expire(upload)
        raise Conflict(
            _("Potongan ini sudah diterima dari permintaan lain; tanyakan posisinya."),
            code="out_of_order",
            extra={"received": db.session.get(HubUpload, upload.id).received},
        )
    db.session.expire(upload)
    if upload.received < upload.size:
        return upload, None
    raw = path.read_bytes()[: upload.size]
    if hashlib.sha256(raw).hexdigest() != upload.sha256:
        db.session.execute(delete(HubUpload).where(HubUpload.id == upload.id))
        path.unlink(missing_ok=True)
        raise UploadMismatch(
            _("Isi unggahan tidak cocok dengan sha256-nya; kirim ulang bundelnya.")
        )
    applied = apply.apply_bundle(actor, raw, source="api")
    upload.done = True
    upload.result = json.dumps(applied_json(applied))
    after_commit(lambda: path.unlink(missing_ok=True))
    return upload, applied


def applied_json(got: apply.Applied) -> dict[str, Any]:
    """What an applied (or already applied) bundle answers (CONTRACT §9's counts)."""
    return {
        "applied": not got.already,
        "village": got.village_code,
        "seq_from": got.seq_from,
        "seq_to": got.seq_to,
        "changes": got.changes,
        "acked_seq": got.acked_seq,
    }
