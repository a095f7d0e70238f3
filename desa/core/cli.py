"""CLI plumbing: one plain sentence on error, exit codes 0/1/2."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import click

from desa.core.db import mark_write_intent
from desa.core.errors import ServiceError
from desa.core.unit_of_work import commit, rollback


def fail(message: str, code: int = 1) -> None:
    """Prints one sentence to stderr and exits."""
    click.echo(message, err=True)
    sys.exit(code)


def command_errors(func: Callable) -> Callable:
    """One unit of work per command: committed when it returns, rolled back when it
    fails; a domain error becomes one sentence on stderr and exit status 1.

    A command that ends early with `sys.exit` (exit 3 for rejected rows) still
    commits what it did: the exit status reports, it does not undo.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        mark_write_intent()
        try:
            result = func(*args, **kwargs)
        except (SystemExit, click.exceptions.Exit) as stop:
            code = getattr(stop, "exit_code", getattr(stop, "code", 1))
            if code in (0, None, 3):
                commit()
            else:
                rollback()
            raise
        except ServiceError as err:
            rollback()
            details = "; ".join(f"{k}: {' '.join(v)}" for k, v in err.fields.items())
            fail(
                err.message
                + (f" ({details})" if details and details not in err.message else "")
            )
        except BaseException:
            rollback()
            raise
        commit()
        return result

    return wrapper


def read_secret_stdin() -> str:
    """One line from standard input, without its line ending."""
    line = sys.stdin.readline()
    return line.rstrip("\r\n")
