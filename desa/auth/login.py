"""Flask-Login wiring: sessions for people, bearer tokens for scripts."""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from flask_babel import lazy_gettext as _l
from flask_login import AnonymousUserMixin

from desa.auth.services import load_principal, resolve_token
from desa.core.security import has_bearer_token
from desa.extensions import login_manager


class Anonymous(AnonymousUserMixin):
    role = "public"
    kind = "anonymous"
    display_name = ""

    def can(self, permission: str) -> bool:
        return False


def init_login(app: Flask) -> None:
    """Registers the session and bearer-token loaders."""
    login_manager.init_app(app)
    login_manager.anonymous_user = Anonymous
    login_manager.login_view = "auth.login"
    login_manager.blueprint_login_views = {"resident": "resident.login"}
    login_manager.login_message = _l("Silakan masuk untuk membuka halaman itu.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def _from_session(session_id: str) -> Any:
        # A request that brings a bearer token is judged by the token alone, so a
        # cookie can never ride along on a CSRF-exempt request.
        if has_bearer_token():
            return None
        return load_principal(session_id)

    @login_manager.request_loader
    def _from_header(req: Any) -> Any:
        if not has_bearer_token():
            return None
        return resolve_token(request.headers["Authorization"][7:].strip())
