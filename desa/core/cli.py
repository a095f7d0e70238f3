"""CLI plumbing: one plain sentence on error, exit codes 0/1/2."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import click

from desa.core.db import mark_write_intent
from desa.core.errors import ServiceError
from desa.extensions import db


def fail(message: str, code: int = 1) -> None:
    """Prints one sentence to stderr and exits."""
    click.echo(message, err=True)
    sys.exit(code)


def command_errors(func: Callable) -> Callable:
    """Turns domain errors into one sentence on stderr and exit status 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        mark_write_intent()
        try:
            return func(*args, **kwargs)
        except ServiceError as err:
            db.session.rollback()
            details = "; ".join(f"{k}: {' '.join(v)}" for k, v in err.fields.items())
            fail(
                err.message
                + (f" ({details})" if details and details not in err.message else "")
            )

    return wrapper


def read_secret_stdin() -> str:
    """One line from standard input, without its line ending."""
    line = sys.stdin.readline()
    return line.rstrip("\r\n")
