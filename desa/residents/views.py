"""Resident self-service sign-in."""

from __future__ import annotations

from flask import Blueprint, request

from desa.auth.signin import sign_in_page
from desa.residents import services
from desa.residents.forms import ResidentLoginForm

resident_bp = Blueprint("resident", __name__, url_prefix="/resident")


@resident_bp.route("/login", methods=["GET", "POST"])
def login():
    """A resident signs in with NIK and the PIN given at the village office."""
    return sign_in_page(
        ResidentLoginForm(next=request.args.get("next", "")),
        lambda actor, form: services.authenticate_resident(
            actor, form.nik.data, form.pin.data
        ),
        "residents/login.html",
    )
