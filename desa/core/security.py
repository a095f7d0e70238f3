"""Security baseline: CSRF for every non-GET, response headers, permission checks."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, request, session, url_for
from flask_login import current_user, login_user
from werkzeug.routing import IntegerConverter

from desa.core.db import SAFE_METHODS
from desa.core.errors import Forbidden, Unauthorized, wants_json
from desa.extensions import csrf, login_manager

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "media-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class IdConverter(IntegerConverter):
    """`<int:…>` for row ids: a number no id column can hold is simply not found.

    Without the bound a 30-digit id reaches the database and fails there (SQLite
    OverflowError, PostgreSQL "integer out of range") as a 500.
    """

    ID_MAX = 2**31 - 1  # PostgreSQL INTEGER, the id columns

    def to_python(self, value: str) -> int:
        # 0 is no row's id, so the view answers 404 as for any unknown id. Refusing
        # the match instead (`max=`) made werkzeug answer 405 when another method
        # of the same path exists.
        try:
            number = int(value)
        except ValueError:  # more digits than Python converts
            return 0
        return number if number <= self.ID_MAX else 0


def has_bearer_token() -> bool:
    """True when the request authenticates with `Authorization: Bearer …`."""
    return request.headers.get("Authorization", "").startswith("Bearer ")


def is_safe_next(target: str | None) -> bool:
    """Only a path on this site is a safe place to go after signing in."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and "\\" not in target


def start_session(principal: Any) -> None:
    """A fresh session for the principal (no fixation), kept for the working day."""
    session.clear()
    login_user(principal)
    session.permanent = True


def next_url(default: str = "home.index") -> str:
    """The validated `next` target, or the home page."""
    target = request.form.get("next") or request.args.get("next")
    return target if is_safe_next(target) else url_for(default)


def require(permission: str) -> Callable:
    """Lets the view run only for a principal holding `permission` (`resource:action`)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                if wants_json() or has_bearer_token():
                    raise Unauthorized(str(_unauthorized_message()))
                return login_manager.unauthorized()
            if not current_user.can(permission):
                raise Forbidden(str(_forbidden_message()))
            return view(*args, **kwargs)

        wrapped.required_permission = permission  # type: ignore[attr-defined]
        return wrapped

    return decorator


def _unauthorized_message() -> str:
    from flask_babel import gettext

    return gettext("Silakan masuk terlebih dahulu.")


def _forbidden_message() -> str:
    from flask_babel import gettext

    return gettext("Anda tidak berhak melakukan ini.")


def init_security(app: Flask) -> None:
    """Registers the CSRF check and the security headers."""

    @app.before_request
    def _check_csrf() -> None:
        if request.method in SAFE_METHODS or has_bearer_token():
            return
        if request.path.startswith("/api/") and not current_user.is_authenticated:
            # Neither a session nor a token: the caller must sign in first, and a
            # CSRF complaint ("form expired") would point them the wrong way.
            raise Unauthorized(str(_unauthorized_message()))
        csrf.protect()

    base_headers = [
        ("Content-Security-Policy", CSP),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "same-origin"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(self), microphone=(), geolocation=()"),
    ]
    if app.config.get("HTTPS"):
        base_headers.append(
            ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        )

    @app.after_request
    def _headers(response):
        # One pass over what the view set, instead of a lookup per header: this
        # runs on every response.
        present = {key.lower() for key, _value in response.headers.items()}
        wanted = base_headers
        if not request.path.startswith("/static/"):
            # Personal data on a shared office laptop must not linger in its cache.
            wanted = [*wanted, ("Cache-Control", "no-store")]
        response.headers.extend([(k, v) for k, v in wanted if k.lower() not in present])
        return response
