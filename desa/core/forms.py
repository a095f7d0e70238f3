"""Form helpers shared by every HTML view."""

from __future__ import annotations

from typing import Any

from flask import flash

from desa.core.errors import ServiceError
from desa.extensions import db


def show_service_error(form: Any, err: ServiceError) -> int:
    """Puts a service's refusal on the form: rolls back, marks the fields it names,
    flashes its sentence; returns the HTTP status to answer with."""
    db.session.rollback()
    for name, messages in err.fields.items():
        if name in form:
            form[name].errors = list(messages)
    flash(err.message, "error")
    return err.status
