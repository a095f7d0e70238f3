"""`GET /.well-known/desa-keys.json`: every key that verifies this village's letters."""

from __future__ import annotations

from flask import Blueprint, jsonify

from desa.core.village import get_village
from desa.trust import keys

bp = Blueprint("trust", __name__)


@bp.get("/.well-known/desa-keys.json")
def keys_json():
    """Public, like a JWKS: a verifier app fetches it once and checks offline."""
    resp = jsonify(keys.keys_document(get_village()))
    resp.headers["Cache-Control"] = "public, max-age=3600"
    resp.headers["Access-Control-Allow-Origin"] = "*"
    return resp
