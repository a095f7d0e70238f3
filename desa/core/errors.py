"""Domain errors and the HTTP error handlers (HTML pages, and JSON under /api)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Flask,
    flash,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from desa.core.unit_of_work import fail

log = logging.getLogger(__name__)


class ServiceError(Exception):
    """A rule was broken: carries a snake_case code, an Indonesian message, a status."""

    status = 422
    code = "invalid"
    # A refusal that must leave a trace (a failed sign-in's count and audit line)
    # commits the unit of work instead of rolling it back.
    keeps_changes = False
    # Shown by the page itself (beside a field, to be confirmed), not flashed.
    quiet = False

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        fields: dict[str, list[str]] | None = None,
        field: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.message = str(message)
        if code:
            self.code = code
        if status:
            self.status = status
        # `field`: the one field the message is about (it shows beside it too).
        self.fields = fields or ({field: [str(message)]} if field else {})
        self.extra = extra or {}
        # Further sentences a page shows under the message (one per refused NIK…).
        self.details: list[str] = []


class ValidationError(ServiceError):
    status, code = 422, "invalid"


class NotFound(ServiceError):
    status, code = 404, "not_found"


class Conflict(ServiceError):
    status, code = 409, "conflict"


class Forbidden(ServiceError):
    status, code = 403, "forbidden"


class BadRequest(ServiceError):
    status, code = 400, "bad_request"


class Unauthorized(ServiceError):
    status, code = 401, "unauthorized"


_DEFAULT_MESSAGES = {
    400: ("bad_request", _l("Permintaan tidak dapat dibaca.")),
    401: ("unauthorized", _l("Silakan masuk terlebih dahulu.")),
    403: ("forbidden", _l("Anda tidak berhak mengakses halaman ini.")),
    404: ("not_found", _l("Data atau halaman tidak ditemukan.")),
    405: ("method_not_allowed", _l("Metode permintaan tidak diizinkan.")),
    409: ("conflict", _l("Permintaan bertentangan dengan keadaan data saat ini.")),
    413: ("too_large", _l("Berkas atau permintaan terlalu besar.")),
    415: ("unsupported_media_type", _l("Jenis isi permintaan tidak didukung.")),
    422: ("invalid", _l("Data tidak valid.")),
    429: ("too_many_requests", _l("Terlalu banyak permintaan. Coba lagi nanti.")),
    500: ("server_error", _l("Terjadi kesalahan pada server. Data Anda tidak diubah.")),
}


def wants_json() -> bool:
    """API paths, and clients that ask only for JSON, get JSON errors."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and not request.accept_mimetypes["text/html"]


def error_response(
    status: int,
    code: str | None = None,
    message: str | None = None,
    fields: dict[str, list[str]] | None = None,
    extra: dict[str, Any] | None = None,
):
    """One error, as CONTRACT §4 JSON under /api or as an Indonesian page."""
    default_code, default_message = _DEFAULT_MESSAGES.get(
        status, ("error", _l("Terjadi kesalahan."))
    )
    code, message = code or default_code, str(message or default_message)
    if wants_json():
        body: dict[str, Any] = {
            "code": code,
            "message": message,
            "fields": fields or {},
        }
        payload: dict[str, Any] = {"error": body}
        payload.update(extra or {})
        resp = jsonify(payload)
    else:
        name = status if status in (403, 404, 500) else "generic"
        resp = make_response(
            render_template(
                f"errors/{name}.html", status=status, code=code, message=message
            )
        )
    resp.status_code = status
    if status == 401 and wants_json():
        resp.headers["WWW-Authenticate"] = 'Bearer realm="desa"'
    return resp


def on_error(
    render: Callable[[int], Any] | None = None,
    *,
    form: Any = None,
    back: str | None = None,
    rename: dict[str, str] | None = None,
    flash_message: bool = True,
) -> None:
    """Says what a `ServiceError` from the rest of this HTML view shows.

    With `form`, the fields the error names get its messages; with `render`, the
    page is drawn again (`render(status)`, the form keeping what was typed);
    otherwise the person is sent `back` (or to the page they came from) with the
    sentence flashed. Without a call, the refusal gets the error page with its
    status (a 429 of the public verification page, a 409 of a form-less POST).
    """
    g.desa_on_error = (render, form, back, rename or {}, flash_message)


def mark_form(
    form: Any, err: ServiceError, rename: dict[str, str] | None = None
) -> int:
    """Puts the field messages of `err` on the fields of `form` that it names;
    returns how many fields it marked."""
    marked = 0
    for name, messages in err.fields.items():
        name = (rename or {}).get(name, name)
        if name in form:
            form[name].errors = list(messages)
            marked += 1
    return marked


def _same_site_referrer() -> str | None:
    target = request.referrer
    if not target:
        return None
    parts = urlsplit(target)
    if parts.netloc and parts.netloc != request.host:
        return None
    return target


def current_error() -> ServiceError | None:
    """The refusal a page is being drawn again for (inside an `on_error` render)."""
    return g.get("desa_error")


def _html_service_error(err: ServiceError):
    said = g.pop("desa_on_error", None)
    # A view that said nothing gets the error page with the refusal's status;
    # refused access is always its own page; so are a missing object and a
    # missing sign-in, unless the view draws its own page again (a ticket code
    # that matches nothing, a wrong password).
    if said is None or err.status == 403:
        return error_response(err.status, err.code, err.message, err.fields, err.extra)
    render, form, back, rename, flash_message = said
    if err.status in (401, 404) and render is None:
        return error_response(err.status, err.code, err.message, err.fields, err.extra)
    g.desa_error = err
    if not err.quiet:
        # Fields marked on the form are listed in the page's error summary; a
        # sentence on top would only say it twice.
        marked = mark_form(form, err, rename) if form is not None else 0
        if flash_message and not marked:
            flash(err.message, "error")
            for line in err.details:
                flash(line, "error")
    if render is not None:
        return render(err.status)
    return redirect(back or _same_site_referrer() or url_for("home.index"), 303)


def register_error_handlers(app: Flask) -> None:
    """Every error rolls the unit of work back and answers in Indonesian."""
    app.jinja_env.globals["current_error"] = current_error

    @app.errorhandler(ServiceError)
    def _service_error(err: ServiceError):
        fail(keep=err.keeps_changes)
        if wants_json():
            return error_response(
                err.status, err.code, err.message, err.fields, err.extra
            )
        return _html_service_error(err)

    @app.errorhandler(CSRFError)
    def _csrf_error(err: CSRFError):
        fail()
        return error_response(
            400,
            "csrf_failed",
            _l(
                "Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi."
            ),
        )

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):
        fail()
        status = err.code or 500
        response = error_response(status)
        if status == 405 and err.valid_methods:
            response.headers["Allow"] = ", ".join(err.valid_methods)
        return response

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        fail()
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500)
