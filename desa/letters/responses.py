"""File responses shared by the letter pages and the API."""

from __future__ import annotations

import hashlib

from flask import Response, request

from desa.core.security import CSP


def file_response(
    data: bytes, filename: str, mimetype: str, *, inline: bool = False
) -> Response:
    """Bytes as a download (or shown inline), with a strong ETag of their SHA-256."""
    resp = Response(data, mimetype=mimetype)
    disposition = "inline" if inline else "attachment"
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in filename)
    resp.headers["Content-Disposition"] = f'{disposition}; filename="{safe}"'
    resp.set_etag(hashlib.sha256(data).hexdigest())
    return resp.make_conditional(request)


def pdf_response(data: bytes, filename: str, *, inline: bool = False) -> Response:
    return file_response(data, filename, "application/pdf", inline=inline)


def framed_pdf_response(data: bytes, filename: str) -> Response:
    """A DRAFT preview shown in an <iframe> of our own pages (not framable elsewhere)."""
    return frame_on_own_pages(pdf_response(data, filename, inline=True))


def frame_on_own_pages(resp: Response) -> Response:
    """Lets our own pages (only) show this response in an <iframe>."""
    resp.headers["X-Frame-Options"] = "SAMEORIGIN"
    # Chromium shows no PDF in a sandboxed frame: only the framing rule is relaxed.
    resp.headers["Content-Security-Policy"] = CSP.replace(
        "frame-ancestors 'none'", "frame-ancestors 'self'"
    )
    return resp
