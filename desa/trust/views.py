"""`GET /.well-known/desa-keys.json` (public) and the trust bundle download (admin)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from desa.auth.actor import current_actor
from desa.auth.permissions import Permission
from desa.core.security import require
from desa.core.village import get_village, require_village
from desa.trust import bundle, keys
from desa.trust.services import village_bundle

bp = Blueprint("trust", __name__)


@bp.get("/.well-known/desa-keys.json")
def keys_json():
    """Public, like a JWKS: a verifier app fetches it once and checks offline."""
    resp = jsonify(keys.keys_document(get_village()))
    resp.headers["Cache-Control"] = "public, max-age=3600"
    resp.headers["Access-Control-Allow-Origin"] = "*"
    return resp


@bp.get("/letters/trust-bundle")
@require(Permission.LETTER_TYPES_MANAGE)
def trust_bundle():
    """The signed trust bundle (keys and revoked letters) to send to other offices by
    flash disk or WhatsApp; the same file as `desa trust export`."""
    actor = current_actor()
    document = village_bundle(actor)
    village = require_village()
    slug = "".join(ch if ch.isalnum() else "-" for ch in village.name.lower()).strip(
        "-"
    )
    resp = Response(bundle.dump(document), mimetype="application/json")
    resp.headers["Content-Disposition"] = (
        f'attachment; filename="daftar-kepercayaan-{slug or "desa"}-'
        f'{actor.today.isoformat()}.json"'
    )
    return resp
